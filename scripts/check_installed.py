"""The package as a clinic gets it: build the wheel and sdist, install the wheel into a
fresh virtual environment outside the checkout, and use it there; or, with
``--bundle DIR``, the same use of the PyInstaller folder that ``make dist`` built.

Run by ``make check-installed`` (and CI) and ``make dist``. A source checkout hides
missing package data (the migrations, icons, style sheet, SQL, fonts): the code finds
them next to itself.
Installed, it finds only what the wheel carries, so this is the check that counts:
``sterile-ledger demo``, a compliance report with ``verify`` on the PDF and the CSV
folder, and the windowed app started offscreen, alive after a few seconds with no
traceback in its log. Exits non-zero, saying which step failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NEEDED_IN_SDIST = (
    "inventory/migrations/versions/0001_ground_floor.py",
    "inventory/migrations/script.py.mako",
    "resources/icons/app.svg",
    "resources/styles/app.qss",
    "resources/sql/inspector_role.sql",
    "resources/fonts/NotoSans-Regular.ttf",
)
GUI_SECONDS = 6


def step(title: str) -> None:
    print(f"== {title}", flush=True)


def run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], text=True, capture_output=True, **kwargs)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"FAILED ({done.returncode}): {' '.join(map(str, args))}")
    return done


def build(out: Path) -> tuple[Path, Path]:
    step("build the wheel and the sdist")
    run([sys.executable, "-m", "build", "--outdir", out, REPO], cwd=out)
    wheel = next(out.glob("sterile_ledger-*.whl"))
    sdist = next(out.glob("sterile_ledger-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    missing = [n for n in NEEDED_IN_SDIST if n not in names]
    if missing:
        raise SystemExit(f"FAILED: the sdist leaves out {', '.join(missing)}")
    return wheel, sdist


def install(wheel: Path, env_dir: Path) -> Path:
    step(f"install {wheel.name} into a fresh environment")
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    run([bin_dir / "python", "-m", "pip", "install", "--quiet", wheel])
    return bin_dir


def use(bin_dir: Path, work: Path) -> None:
    """Demo, report, verify and the window, with the programs in ``bin_dir``."""
    env = {
        **os.environ,
        "STERILE_LEDGER_HOME": str(work / "home"),
        "STERILE_LEDGER_PASSWORD": "demo",
        "PYTHONPATH": "",
    }
    env.pop("STERILE_LEDGER_DB", None)
    suffix = ".exe" if os.name == "nt" else ""
    cli = bin_dir / f"sterile-ledger{suffix}"
    inspector = ["--user", "Demo Inspector"]
    step("sterile-ledger demo")
    run([cli, "demo"], cwd=work, env=env)
    step("sterile-ledger report compliance, then verify the PDF and the CSV manifest")
    (work / "out").mkdir()
    period = ["--from", "2026-01-01", "--to", "2026-12-31"]
    run(
        [
            cli,
            *inspector,
            "report",
            "compliance",
            *period,
            "--pdf",
            "out/c.pdf",
            "--csv",
            "out/csv",
        ],
        cwd=work,
        env=env,
    )
    manifest = next((work / "out" / "csv").glob("*-manifest.json"))
    for target in (work / "out" / "c.pdf", manifest):
        checked = run([cli, *inspector, "verify", target], cwd=work, env=env)
        print(checked.stdout.strip())
    step(f"sterile-ledger-gui offscreen for {GUI_SECONDS} s")
    gui(bin_dir / f"sterile-ledger-gui{suffix}", work, {**env, "QT_QPA_PLATFORM": "offscreen"})


def gui(exe: Path, work: Path, env: dict[str, str]) -> None:
    proc = subprocess.Popen(
        [exe], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    time.sleep(GUI_SECONDS)
    alive = proc.poll() is None
    proc.kill()
    output = proc.communicate()[0]
    log = next((work / "home").rglob("sterile-ledger.log"), None)
    logged = log.read_text(encoding="utf-8") if log else ""
    if not alive or "Traceback" in output or "Traceback" in logged:
        sys.stderr.write(output + logged)
        raise SystemExit("FAILED: the desktop app did not stay up")
    if "desktop app starting" not in logged:
        raise SystemExit("FAILED: the desktop app left no line in its log")


def main(argv: list[str]) -> int:
    bundle = Path(argv[argv.index("--bundle") + 1]).resolve() if "--bundle" in argv else None
    with tempfile.TemporaryDirectory(prefix="sl-installed-") as tmp:
        root = Path(tmp)
        (root / "work").mkdir()
        if bundle is not None:
            started = time.perf_counter()
            run([bundle / "sterile-ledger", "--version"])
            print(f"the bundle's CLI answers --version in {time.perf_counter() - started:.2f} s")
            use(bundle, root / "work")
            print(f"The bundle in {bundle} works: demo, report, verify and the window.")
            return 0
        (root / "dist").mkdir()
        wheel, _sdist = build(root / "dist")
        bin_dir = install(wheel, root / "env")
        use(bin_dir, root / "work")
    print("The installed package works: demo, report, verify and the window.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
