/** A run of batch items, from `start` up to but excluding `end`. */
export interface BatchChunk {
  readonly start: number;
  readonly end: number;
}

/**
 * Splits items of the given byte sizes into `count` contiguous, non-empty
 * chunks of about equal bytes, one per worker. Keeping chunks contiguous
 * keeps the results in order when they are concatenated.
 */
export function splitBatch(sizes: readonly number[], count: number): BatchChunk[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const chunks: BatchChunk[] = [];
  let start = 0;
  let bytes = 0;

  for (let index = 0; index < sizes.length; index++) {
    bytes += sizes[index]!;

    const itemsLeft = sizes.length - index - 1;
    const chunksLeft = count - chunks.length - 1;
    const reachedShare = total > 0 ? bytes * count >= total * (chunks.length + 1) : (index + 1) * count >= sizes.length * (chunks.length + 1);

    // Cut when this chunk has its share of bytes, or when the items left
    // are just enough to give every remaining chunk one.
    if (chunksLeft > 0 && (reachedShare || itemsLeft === chunksLeft)) {
      chunks.push({ start, end: index + 1 });
      start = index + 1;
    }
  }

  chunks.push({ start, end: sizes.length });
  return chunks;
}
