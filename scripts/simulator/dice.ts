import { unsafeUniformBigIntDistribution, unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/**
 * Seeded random choices. The traffic and the delivery each get their own stream of one seed, so
 * that how callbacks are delivered never shifts which callbacks are played.
 */
export class Dice {
  private constructor(private readonly rng: RandomGenerator) {}

  /** Stream 0 is the traffic model's; each further stream starts 2^64 draws later. */
  static of(seed: number, stream = 0): Dice {
    const rng = xoroshiro128plus(seed);
    for (let i = 0; i < stream; i++) rng.unsafeJump!();
    return new Dice(rng);
  }

  /** An integer from min to max, both included. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.rng);
  }

  /** An unsigned integer of `bits` random bits. */
  bits(bits: number): bigint {
    return unsafeUniformBigIntDistribution(0n, (1n << BigInt(bits)) - 1n, this.rng);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.fraction() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** One of the values, each as likely as its weight; weights need not add up to anything. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    if (!(total > 0)) throw new Error('weighted choice without a positive weight');
    let point = this.fraction() * total;
    for (const [value, weight] of entries) {
      if (point < weight) return value;
      point -= weight;
    }
    // Rounding can leave the point a hair past the last weight.
    return entries.findLast(([, weight]) => weight > 0)![0];
  }

  private fraction(): number {
    return this.int(0, 2 ** 30 - 1) / 2 ** 30;
  }
}
