"""``python -m toolkit.generate`` — regenerate the sample engagements or write one of any size.

Examples
--------
``python -m toolkit.generate``  rewrites data/samples/{followup-gap,lead-quality,well-aligned}.
``python -m toolkit.generate --profile lead-quality --out /tmp/big --leads 1000000
--respondents 2000 --activities 10000000 --seed 7``  writes one large engagement.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import DEFAULT_SAMPLES_ROOT, PROFILES, generate_engagement, regenerate_samples


def _size(folder: Path) -> str:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return f"{total / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(prog="python -m toolkit.generate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=DEFAULT_SAMPLES_ROOT,
                    help="where the samples go (default: data/samples)")
    ap.add_argument("--profile", choices=sorted(PROFILES), help="write one engagement")
    ap.add_argument("--out", type=Path, help="folder of the one engagement (with --profile)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--respondents", type=int)
    ap.add_argument("--leads", type=int)
    ap.add_argument("--activities", type=int)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.profile:
        out = args.out or Path(args.profile)
        folders = [generate_engagement(out, args.profile, seed=args.seed,
                                       n_respondents=args.respondents, n_leads=args.leads,
                                       n_activities=args.activities)]
    elif args.out or args.respondents or args.leads or args.activities:
        ap.error("--out/--respondents/--leads/--activities need --profile")
    else:
        folders = regenerate_samples(args.root)
    for f in folders:
        print(f"wrote {f} ({_size(f)})")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
