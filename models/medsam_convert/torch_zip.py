"""Reads a PyTorch checkpoint (the zip format torch.save writes since 1.6) into numpy arrays, without torch.

A .pth file is a zip with <root>/data.pkl (a pickle of the state_dict whose tensors point at storages by key) and
<root>/data/<key> (each storage's raw little-endian bytes). The pickle is read with a restricted Unpickler: it only
builds the few classes a state_dict needs (OrderedDict, torch's tensor rebuild functions and storage types) and
refuses every other global, so a checkpoint is data, never code that runs (the same rule as torch's weights_only).
"""

from __future__ import annotations

import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .state_dict import CheckpointError


# torch storage class -> numpy dtype (little-endian, as torch.save writes on every supported platform)
_STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "BFloat16Storage": None,  # no numpy dtype; handled below
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class _StorageType:
    def __init__(self, name: str) -> None:
        self.name = name


class _StorageRef:
    """A persistent id from the pickle: which zip member holds the bytes, of which type, how many elements."""

    def __init__(self, storage_type: _StorageType, key: str, numel: int) -> None:
        self.storage_type = storage_type
        self.key = key
        self.numel = numel


def _bfloat16_to_float32(raw: bytes) -> np.ndarray:
    return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, root: str, path: Path) -> None:
        self.zf = zf
        self.root = root
        self.path = path
        self.storages: dict[str, np.ndarray] = {}

    def storage(self, ref: _StorageRef) -> np.ndarray:
        if ref.key not in self.storages:
            name = f"{self.root}/data/{ref.key}"
            try:
                raw = self.zf.read(name)
            except KeyError:
                raise CheckpointError(f"checkpoint {self.path} lacks the storage {name}: the file is truncated") from None
            dtype = _STORAGE_DTYPES[ref.storage_type.name]
            arr = _bfloat16_to_float32(raw) if dtype is None else np.frombuffer(raw, dtype=dtype)
            if arr.size < ref.numel:
                raise CheckpointError(
                    f"checkpoint {self.path}: storage {name} holds {arr.size} values, the pickle says {ref.numel}"
                )
            self.storages[ref.key] = arr
        return self.storages[ref.key]

    def rebuild_tensor(self, ref, offset, size, stride, *_rest) -> np.ndarray:
        base = self.storage(ref)
        size, stride = tuple(size), tuple(stride)
        if not size:
            return base[offset : offset + 1].reshape(()).copy()
        if offset < 0 or any(d < 0 for d in size) or any(st < 0 for st in stride) or len(size) != len(stride):
            raise CheckpointError(f"checkpoint {self.path}: a tensor has an invalid size {size} or stride {stride}")
        last = offset + sum((d - 1) * st for d, st in zip(size, stride)) if all(size) else offset - 1
        if last >= base.size:
            # as_strided would read past the storage: a corrupt or hostile file, never memory outside it
            raise CheckpointError(f"checkpoint {self.path}: a tensor of size {list(size)} reaches past its storage")
        item = base.itemsize
        view = np.lib.stride_tricks.as_strided(
            base[offset:], shape=size, strides=tuple(s * item for s in stride), writeable=False
        )
        return np.ascontiguousarray(view)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, reader: _Reader) -> None:
        super().__init__(file)
        self.reader = reader

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self.reader.rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return lambda data, requires_grad, backward_hooks, *rest: data
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(
            f"checkpoint {self.reader.path} holds a Python object of type {module}.{name}, not just tensors; "
            "it is not loaded (save only the model's state_dict)"
        )

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError(f"checkpoint {self.reader.path}: unexpected persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1], pid[2], pid[3], pid[4]
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"checkpoint {self.reader.path}: unexpected storage type {storage_type!r}")
        return _StorageRef(storage_type, str(key), int(numel))


def read_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The checkpoint's top-level mapping, tensors as numpy arrays (C-contiguous, the checkpoint's dtype)."""
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}")
    if path.is_dir():
        raise CheckpointError(f"checkpoint {path} is a directory, expected a .pth file")
    size = path.stat().st_size
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f"checkpoint {path} ({size} bytes) is not a zip-format PyTorch checkpoint: the file is truncated or "
            "corrupt, or was saved by torch older than 1.6 (re-save it with torch.save in a current torch)"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            pickles = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
            if len(pickles) != 1:
                raise CheckpointError(f"checkpoint {path} has {len(pickles)} data.pkl records, expected one")
            root = pickles[0].split("/", 1)[0]
            reader = _Reader(zf, root, path)
            with zf.open(pickles[0]) as f:
                obj = _Unpickler(f, reader).load()
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError, ValueError, OSError, TypeError, KeyError, IndexError,
            AttributeError) as exc:
        raise CheckpointError(
            f"checkpoint {path} ({size} bytes) could not be read, the file is truncated or corrupt: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    if not isinstance(obj, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(obj).__name__}, not a state_dict")
    return obj
