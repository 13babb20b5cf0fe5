// A storefront's webhook receiver: checks each message's Standard Webhooks signature with the
// endpoint's secret, then applies it to the replica `sync.ts` keeps.
//
//   BACKOFFICE_WEBHOOK_SECRET=whsec_… node dist/webhooks.js 8080 replica.json
//
// Node's own crypto, no library: the scheme is an HMAC-SHA256 of `id.timestamp.body`.

import { createHmac, timingSafeEqual } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";

import type { components } from "./api.js";
import { apply, emptyReplica, type Replica } from "./sync.js";

type Schemas = components["schemas"];
export type Message = Schemas["CatalogMessage"] | Schemas["OrderMessage"];

const TOLERANCE_SECONDS = 5 * 60; // an older signature may be a replayed capture

export class SignatureError extends Error {}

/** The message, if it was signed with `secret` in the last five minutes. */
export function verify(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  now: number = Date.now() / 1000,
): Message {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") {
    throw new SignatureError("missing webhook headers");
  }
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) {
    throw new SignatureError("the signature is too old, or from the future");
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  const matches = signatures.split(" ").some((signature) => {
    const [version, value] = signature.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new SignatureError("no signature matches");
  return JSON.parse(body) as Message;
}

/** A catalog message holds a feed entry; an order message, the order as it is now. */
export function handle(replica: Replica, message: Message): void {
  if (message.type.startsWith("order.")) {
    const { order } = (message as Schemas["OrderMessage"]).data;
    replica.order[String(order.id)] = order;
    return;
  }
  apply(replica, (message as Schemas["CatalogMessage"]).data);
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(argv: string[]): Promise<void> {
  const [port, path] = argv;
  const secret = process.env["BACKOFFICE_WEBHOOK_SECRET"];
  if (port === undefined || path === undefined || !secret) {
    throw new Error("usage: BACKOFFICE_WEBHOOK_SECRET=whsec_… webhooks.js PORT REPLICA.json");
  }
  let replica: Replica;
  try {
    replica = JSON.parse(await readFile(path, "utf8")) as Replica;
  } catch {
    replica = emptyReplica();
  }
  const seen = new Set<string>(); // a repeat (same webhook-id) is acknowledged, not applied
  const server = createServer((request, response) => {
    void bodyOf(request).then(async (body) => {
      try {
        const message = verify(secret, request.headers, body);
        const id = String(request.headers["webhook-id"]);
        if (!seen.has(id)) {
          seen.add(id);
          handle(replica, message);
          await writeFile(`${path}.tmp`, JSON.stringify(replica, null, 1));
          await rename(`${path}.tmp`, path);
        }
        response.writeHead(204).end();
      } catch (error) {
        const refused = error instanceof SignatureError || error instanceof SyntaxError;
        response.writeHead(refused ? 400 : 500).end(String(error));
      }
    });
  });
  server.listen(Number(port), "127.0.0.1", () => console.log(`listening on ${port}`));
}

if (process.argv[1]?.endsWith("webhooks.js")) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
