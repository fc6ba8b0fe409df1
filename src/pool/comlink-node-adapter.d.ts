// Comlink 4.4 ships node-adapter.d.ts, which TypeScript does not use for an
// import that ends in .mjs, so this repeats its one declaration.
declare module "comlink/dist/esm/node-adapter.mjs" {
  import type { Endpoint } from "comlink";

  export interface NodeEndpoint {
    postMessage(message: unknown, transfer?: readonly unknown[]): void;
    on(type: string, listener: (value: unknown) => void): void;
    off(type: string, listener: (value: unknown) => void): void;
    start?: () => void;
  }

  export default function nodeEndpoint(port: NodeEndpoint): Endpoint;
}
