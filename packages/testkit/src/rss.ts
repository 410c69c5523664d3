/**
 * Samples the process's resident set size on a timer, for tests that bound how much memory something may take.
 * The timer is unref'd: a sampler never keeps the process alive.
 */

export interface RssGuard {
  /** Growth over the baseline, in bytes, past which `action` runs (once): a safety valve for the machine. */
  readonly limit: number
  readonly action: () => void
}

export interface RssSampler {
  /** RSS when sampling started, in bytes. */
  readonly baseline: number
  /** Highest RSS seen, in bytes. */
  readonly peak: number
  /** `peak - baseline`, in bytes. */
  readonly growth: number
  readonly samples: number
  /** Whether the guard fired. */
  readonly tripped: boolean
  /** Takes one last sample and stops. */
  stop(): void
}

export const sampleRss = (options: { readonly everyMs?: number; readonly guard?: RssGuard } = {}): RssSampler => {
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  let samples = 1
  let tripped = false
  const sample = () => {
    const rss = process.memoryUsage.rss()
    samples += 1
    if (rss > peak) peak = rss
    if (!tripped && options.guard !== undefined && rss - baseline > options.guard.limit) {
      tripped = true
      options.guard.action()
    }
  }
  const timer = setInterval(sample, options.everyMs ?? 50)
  timer.unref()
  let stopped = false
  return {
    baseline,
    get peak() {
      return peak
    },
    get growth() {
      return peak - baseline
    },
    get samples() {
      return samples
    },
    get tripped() {
      return tripped
    },
    stop: () => {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      sample()
    }
  }
}
