/* bench.h - `eddy bench`: the Nexmark benchmark harness (see docs/benchmarks.md). */
#ifndef EDDY_BENCH_BENCH_H
#define EDDY_BENCH_BENCH_H

/* Runs the benchmark with the arguments after the command name (argv[0] is
 * "bench").  Prints figures to stdout; returns the process exit status. */
int eddy_bench_main(int argc, char **argv);

#endif
