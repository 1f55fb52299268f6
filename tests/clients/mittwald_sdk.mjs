// Lists mittwald orders through mittwald's own JS SDK (@mittwald/api-client), unchanged, against a base URL.
//
//   node mittwald_sdk.mjs BASE_URL TOKEN STATUS[,STATUS...] LIMIT
//   node mittwald_sdk.mjs http://127.0.0.1:8000/mittwald/ my-token NEW,CONFIRMED 5
//
// Prints one JSON object to stdout: what the SDK got back (status, headers, orders) and what it sent (path, header
// names; never the token). The only change from production use is the base URL, the SDK's documented override.
import { MittwaldAPIV2Client } from "@mittwald/api-client";

const [baseUrl, token, statuses, limit] = process.argv.slice(2);
if (!baseUrl || !token || !statuses || !limit) {
  console.error("usage: node mittwald_sdk.mjs BASE_URL TOKEN STATUS[,STATUS...] LIMIT");
  process.exit(2);
}

function sent(response) {
  // In node, axios exposes the http.ClientRequest it sent: its path and header names show the SDK's wire format.
  const request = response.request;
  return { path: request.path, headerNames: Object.keys(request.getHeaders()).sort() };
}

const client = MittwaldAPIV2Client.newWithToken(token);
client.axios.defaults.baseURL = baseUrl;
const response = await client.contract.orderListOrders({
  queryParameters: { includesStatus: statuses.split(","), limit: Number(limit) },
});
const orders = Array.isArray(response.data) ? response.data : [];

const anonymous = MittwaldAPIV2Client.newUnauthenticated();
anonymous.axios.defaults.baseURL = baseUrl;
const unauthenticated = await anonymous.contract.orderListOrders({ queryParameters: { limit: 1 } });

const pagination = {};
for (const name of ["x-pagination-limit", "x-pagination-skip", "x-pagination-page", "x-pagination-totalcount"]) {
  pagination[name] = response.headers[name] ?? null;
}
console.log(
  JSON.stringify({
    status: response.status,
    count: orders.length,
    headers: pagination,
    firstStatus: orders.length ? orders[0].status : null,
    statuses: orders.map((order) => order.status),
    orderNumbers: orders.map((order) => order.orderNumber),
    sent: sent(response),
    unauthenticatedStatus: unauthenticated.status,
  }),
);
