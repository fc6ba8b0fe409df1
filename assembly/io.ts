// The I/O area: every byte from ioBase() to the end of linear memory belongs
// to the TypeScript side, which copies inputs in, calls an export with
// pointers into the area, copies results out and wipes what it used.
//
// The core never allocates (the runtime is "stub" and no code here calls
// `new`), so nothing else claims memory above __heap_base. Secrets that an
// export keeps between calls live in static areas reserved with memory.data
// inside the module that owns them, and are wiped by that module.

const IO_ALIGNMENT: usize = 64;

/** Returns the first address of the I/O area, aligned to 64 bytes. */
export function ioBase(): usize {
  return (__heap_base + IO_ALIGNMENT - 1) & ~(IO_ALIGNMENT - 1);
}
