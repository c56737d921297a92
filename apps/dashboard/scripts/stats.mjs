/**
 * The nearest-rank quantile the load and job-engine scripts report (p50, p99): the value at
 * index min(floor(p n), n - 1) of the sorted sample (p99 of 100 values is the largest).
 */
export const quantile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

export const median = (xs) => quantile(xs, 0.5);
