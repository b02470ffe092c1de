import type { KeyValue } from "./types.js";

/**
 * Tag set on every run and model version this client creates, holding a unique id: after an ambiguous failure of
 * a create call (timeout, reset, 5xx) the client looks for it instead of creating a second one.
 */
export const CLIENT_REQUEST_ID_TAG = "client_request_id";

/** Key/value pairs as MLflow sends them, from a plain record (values converted with String()). */
export function toKeyValues(record: Readonly<Record<string, string | number | boolean>> | undefined): KeyValue[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value: String(value) }));
}

/** A plain record from MLflow's key/value list (missing list = empty record; the last duplicate wins). */
export function fromKeyValues(list: readonly { key?: string; value?: string }[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { key, value } of list ?? []) if (key !== undefined) record[key] = value ?? "";
  return record;
}
