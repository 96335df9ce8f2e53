-- Prints one machine-readable line after a wrk run: latency percentiles in
-- milliseconds (wrk records microseconds), requests per second and errors.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "BENCH p50=%.2f p95=%.2f p99=%.2f max=%.2f rps=%.1f requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / seconds, summary.requests, errors, summary.errors.status))
end
