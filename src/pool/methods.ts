import type * as Core from "../core/index.js";

/**
 * The pool's description of a core function: the names of its parameters (for
 * error messages and to tell the trailing call options apart) and the index
 * of its message parameter, the one that `{ transfer: true }` may detach.
 */
export interface MethodSpec {
  readonly params: readonly string[];
  readonly data: number;
}

/**
 * Every core function the pool runs, by its dotted path in keystate/core.
 * Adding a function to the pool is one line here.
 */
export const CORE_METHODS = {
  "xchacha20poly1305.seal": { params: ["key", "nonce", "plaintext", "aad"], data: 2 },
  "xchacha20poly1305.open": { params: ["key", "nonce", "sealed", "aad"], data: 2 },
  "chacha20poly1305.seal": { params: ["key", "nonce", "plaintext", "aad"], data: 2 },
  "chacha20poly1305.open": { params: ["key", "nonce", "sealed", "aad"], data: 2 },
  "ed25519.getPublicKey": { params: ["seed"], data: 0 },
  "ed25519.sign": { params: ["seed", "message"], data: 1 },
  "ed25519.verify": { params: ["publicKey", "message", "signature"], data: 1 },
  sha512: { params: ["data"], data: 0 },
} as const satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof CORE_METHODS;

/** Returns the spec of `name`, or undefined when the pool does not run a function of that name. */
export function methodSpec(name: string): MethodSpec | undefined {
  return Object.hasOwn(CORE_METHODS, name) ? CORE_METHODS[name as MethodName] : undefined;
}

/** Options that every pool call accepts after the core function's own arguments. */
export interface CallOptions {
  /**
   * Moves the message argument's buffer to the worker instead of copying it,
   * so the caller's buffer is detached afterwards. Only a view that covers its
   * whole ArrayBuffer moves without a copy; any other view is copied first.
   * Keys, nonces and associated data are always copied. Defaults to the
   * pool's `transfer` option.
   */
  transfer?: boolean;
  /** Rejects the call with ABORTED when the signal fires; see docs/pool.md for what the worker still does. */
  signal?: AbortSignal;
  /** Runs the call in a worker or in the calling thread whatever its size; "auto" routes by size. */
  route?: "auto" | "worker" | "inline";
}

// The type of the core export at a dotted path, or never while the core does
// not have it yet.
type Lookup<T, Path extends string> = Path extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? Lookup<T[Head], Rest>
    : never
  : Path extends keyof T
    ? T[Path]
    : never;

export type CoreFunction<Name extends MethodName> = Lookup<typeof Core, Name>;

type AsyncCall<F> = F extends (...args: infer Args) => infer Result
  ? (...args: [...Args, CallOptions?]) => Promise<Result>
  : never;

type BatchCall<F> = F extends (...args: infer Args) => infer Result
  ? (items: readonly Args[], options?: CallOptions) => Promise<Result[]>
  : never;

type Nest<Path extends string, Value> = Path extends `${infer Head}.${infer Rest}`
  ? { readonly [K in Head]: Nest<Rest, Value> }
  : { readonly [K in Path]: Value };

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void
  ? I
  : never;

/** The asynchronous twin of every core function: `pool.xchacha20poly1305.seal(key, nonce, plaintext, aad?, options?)`. */
export type AsyncCore = UnionToIntersection<{ [N in MethodName]: Nest<N, AsyncCall<CoreFunction<N>>> }[MethodName]>;

/** The batch form: `pool.batch.xchacha20poly1305.seal([[key, nonce, plaintext], ...], options?)`. */
export type BatchCore = UnionToIntersection<{ [N in MethodName]: Nest<N, BatchCall<CoreFunction<N>>> }[MethodName]>;

/**
 * Builds the nested object of `AsyncCore` or `BatchCore` from one function
 * that takes the method name first.
 */
export function buildMethodTree<T>(make: (name: MethodName) => (...args: never[]) => unknown): T {
  const root: Record<string, unknown> = {};

  for (const name of Object.keys(CORE_METHODS) as MethodName[]) {
    const path = name.split(".");
    let node = root;

    for (const segment of path.slice(0, -1)) {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    }

    node[path.at(-1)!] = make(name);
  }

  return root as T;
}
