"""A small spec every diff test starts from, and mutations of it addressed by JSON pointer."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

BASE: dict[str, Any] = yaml.safe_load(
    """
openapi: 3.0.3
info: {title: shop, version: '1'}
security: [{bearer: [read]}]
x-mock-api:
  name: shop
  resources: {orders: {schema: '#/components/schemas/Order', key: id}}
paths:
  /orders:
    get:
      operationId: listOrders
      summary: List orders
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [new, done]}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      responses:
        '200':
          description: The orders.
          headers:
            X-Total: {required: true, schema: {type: integer}}
            X-Trace: {schema: {type: string}}
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Order'}}
        '404': {description: None.}
      x-mock:
        resource: orders
        action: list
        filters: [{param: status, field: status}]
        sort: {default: id}
        paging: {style: offset, limit_param: limit, default_limit: 20}
        includes: {param: include, joins: {items: {resource: items, local: id, foreign: order_id}}}
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, maxLength: 50}
                note: {type: string, nullable: true}
                kind: {type: string, enum: [a, b], default: a}
      responses: {'201': {description: Created.}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    apikey: {type: apiKey, in: header, name: X-Key}
  schemas:
    Order:
      type: object
      required: [id, status]
      properties:
        id: {type: integer}
        status: {type: string, enum: [new, done]}
        total: {type: number}
        created: {type: string, format: date-time}
"""
)

Mutation = Callable[[dict[str, Any]], None]
GET = "/paths/~1orders/get"
POST = "/paths/~1orders/post"
BODY = f"{POST}/requestBody/content/application~1json/schema"
ORDER = "/components/schemas/Order"
HEADERS = f"{GET}/responses/200/headers"


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    *parts, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = doc
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    return node, last


def put(pointer: str, value: Any) -> Mutation:
    """Set the value at pointer (a list index one past the end appends)."""

    def mutate(doc: dict[str, Any]) -> None:
        node, key = _parent(doc, pointer)
        if isinstance(node, list):
            node[int(key) : int(key) + 1] = [copy.deepcopy(value)]
        else:
            node[key] = copy.deepcopy(value)

    return mutate


def drop(pointer: str) -> Mutation:
    """Delete the member or item at pointer."""

    def mutate(doc: dict[str, Any]) -> None:
        node, key = _parent(doc, pointer)
        del node[int(key) if isinstance(node, list) else key]

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


def spec(*mutations: Mutation) -> dict[str, Any]:
    """A copy of BASE with the mutations applied."""
    doc = copy.deepcopy(BASE)
    both(*mutations)(doc)
    return doc
