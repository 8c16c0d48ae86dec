"""The stylized-facts figure of a run: price, fat tails, no autocorrelation of returns, and
volatility clustering (autocorrelation of |returns|).

    python analysis/examples/stylized_facts.py runs/<run-id> facts.png [instrument-index] [bar-ticks]
"""

import sys

from agora import bars, log_returns, read_run, stylized_facts
from agora.plots import stylized_facts_figure


def main(argv):
    run_dir, out = argv[1], argv[2]
    instrument = int(argv[3]) if len(argv) > 3 else 0
    bar_ticks = int(argv[4]) if len(argv) > 4 else 1
    run = read_run(run_dir)
    facts = stylized_facts(log_returns(bars(run.log, instrument, bar_ticks)))
    print(f"{facts['returns']} returns; excess kurtosis {facts['excess_kurtosis']:.2f}, Hill index {facts['hill_tail_index']:.2f}, "
          f"acf(r,1) {facts['return_acf'][1]:.3f}, acf(|r|,1) {facts['abs_return_acf'][1]:.3f}")
    stylized_facts_figure(run.log, instrument, bar_ticks).savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)
