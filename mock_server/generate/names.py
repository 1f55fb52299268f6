"""This module contains realistic values from property names: a field called `email`, `city` or `created_at` with no
other hint gets a Faker provider (or a timestamp format, or bounds) that fits its name.

Used for specs without vendor rules (plain specs); the vendor specs carry their own hints (x-faker, x-mock-values).
"""

from __future__ import annotations

import re

from mock_server.types import Schema

_PROVIDERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "displayname", "customername", "contactname", "ownername", "authorname"),
    "first_name": ("firstname", "givenname", "forename"),
    "last_name": ("lastname", "surname", "familyname"),
    "user_name": ("username", "login", "nickname", "handle", "screenname"),
    "email": ("email", "emailaddress", "mail", "contactemail"),
    "phone_number": ("phone", "phonenumber", "mobile", "mobilephone", "telephone", "tel", "fax", "cellphone"),
    "city": ("city", "town", "cityname"),
    "country": ("country", "countryname"),
    "country_code": ("countrycode", "countryiso", "iso2"),
    "street_address": ("street", "streetaddress", "address", "address1", "addressline1", "line1"),
    "postcode": ("zip", "zipcode", "postcode", "postalcode"),
    "company": ("company", "companyname", "organization", "organisation", "employer", "brand"),
    "url": ("url", "website", "homepage", "link", "href", "uri", "webpage"),
    "image_url": ("imageurl", "image", "avatar", "avatarurl", "photo", "photourl", "picture", "thumbnail", "logo"),
    "job": ("job", "jobtitle", "occupation", "position"),
    "currency_code": ("currency", "currencycode"),
    "color_name": ("color", "colour"),
    "language_code": ("language", "lang", "languagecode"),
    "ipv4": ("ip", "ipaddress", "ipv4"),
    "domain_name": ("domain", "hostname", "host"),
    "slug": ("slug",),
    "uuid4": ("uuid", "guid"),
    "iban": ("iban",),
    "sentence": ("title", "subject", "headline", "summary", "caption", "label"),
    "paragraph": ("description", "bio", "about", "body", "text", "content", "message", "comment", "note", "notes"),
}
PROVIDER_BY_NAME = {alias: provider for provider, aliases in _PROVIDERS.items() for alias in aliases}
INTEGER_BOUNDS = {
    "age": (18, 90),
    "quantity": (1, 10),
    "qty": (1, 10),
    "year": (1990, 2025),
    "rating": (1, 5),
    "stars": (1, 5),
    "score": (0, 100),
}
NUMBER_BOUNDS = {"price": (1.0, 500.0), "latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}
_HINTED = ("x-faker", "x-mock-values", "x-mock-format", "enum", "format", "pattern", "default", "const")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_STAMP = re.compile(r"(created|updated|modified|deleted|published|expires?|started|ended|last.*)(at|on|time|date)$")


def name_hint(schema: Schema, name: str, kind: str) -> Schema:
    """The schema with the hint its property name suggests; the schema itself when it has hints or no name fits."""
    if any(key in schema for key in _HINTED):
        return schema
    key = _NOT_ALNUM.sub("", name.lower())
    if kind == "string":
        if _STAMP.search(key) or key in ("timestamp", "datetime"):
            return {**schema, "format": "date-time"}
        if key.endswith("date") or key in ("birthday", "dob"):
            return {**schema, "format": "date"}
        provider = PROVIDER_BY_NAME.get(key)
        if provider is None and key.endswith("email"):
            provider = "email"
        if provider is None and key.endswith("url"):
            provider = "url"
        if provider is None:
            return schema
        if "maxLength" in schema and provider in ("sentence", "paragraph"):
            provider = "word"
        return {**schema, "x-faker": provider}
    bounds = INTEGER_BOUNDS.get(key) if kind == "integer" else NUMBER_BOUNDS.get(key) if kind == "number" else None
    if bounds is None or "minimum" in schema or "maximum" in schema:
        return schema
    return {**schema, "minimum": bounds[0], "maximum": bounds[1]}
