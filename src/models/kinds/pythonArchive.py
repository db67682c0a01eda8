# A Python model folder as one artifact: a plain tar built deterministically (sorted entries, mtime 0,
# owner 0/0 with no names, modes 0644/0755), so the same folder always gives the same bytes and sha256;
# and its extraction in the worker's model cache, where the archive is hostile input: only regular
# files and folders with relative names that stay inside the destination are accepted.
# Both are bounded in bytes and entries (BATCH_MODEL_UNPACK_MB, BATCH_MODEL_UNPACK_FILES): a folder
# over the bounds is not packed, and an archive over them (a tar bomb: a sparse member declaring
# gigabytes in a few kilobytes, or a flood of entries) is refused from its headers before anything is
# written, and its bytes are counted again as they are written.
#   pythonArchive.py pack <folder> <out.tar> <max-bytes> <max-entries>
#   pythonArchive.py unpack <archive.tar> <destination> <max-bytes> <max-entries>
import json
import os
import sys
import tarfile

SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "venv", ".ipynb_checkpoints"}


class Refused(Exception):
    pass


class Bound(Exception):
    """Over a bound: reported to the caller as one JSON line, so it can name the setting to raise."""

    def __init__(self, limit, bound, found, where):
        super().__init__(json.dumps({"limit": limit, "bound": bound, "found": found, "where": where}))


def pack(folder, out, max_bytes, max_entries):
    folder = os.path.realpath(folder)
    entries = []
    total = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in dirs + sorted(f for f in files if not f.endswith(".pyc")):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, folder).replace(os.sep, "/")
            if os.path.islink(full):
                raise Refused(f"{rel} is a symbolic link; copy the file it points to into the folder instead")
            if not (os.path.isfile(full) or os.path.isdir(full)):
                raise Refused(f"{rel} is neither a file nor a folder")
            entries.append((rel, full))
            if os.path.isfile(full):
                total += os.path.getsize(full)
            # Counted before the tar is written: a worker could not unpack what is over its bounds.
            if len(entries) > max_entries:
                raise Bound("entries", max_entries, len(entries), "folder")
    if total > max_bytes:
        raise Bound("bytes", max_bytes, total, "folder")
    entries.sort()
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for rel, full in entries:
            info = tar.gettarinfo(full, arcname=rel)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isdir():
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.mode = 0o755 if os.access(full, os.X_OK) else 0o644
                with open(full, "rb") as f:
                    tar.addfile(info, f)


# Deeper than any real model folder; also keeps os.makedirs' recursion far from Python's limit.
MAX_DEPTH = 64


def folders_and_self(name):
    """The entry's path and every folder above it: what unpacking it creates."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def check(member):
    name = member.name
    parts = name.split("/")
    if len([p for p in parts if p not in ("", ".")]) > MAX_DEPTH:
        raise Refused(f"entry {name[:200]!r}… nests deeper than {MAX_DEPTH} folders")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise Refused(f"entry {name!r} has an absolute path")
    if ".." in parts:
        raise Refused(f"entry {name!r} leaves the model folder ('..')")
    if not (member.isfile() or member.isdir()):
        raise Refused(f"entry {name!r} is a link or a special file; a model archive holds only files and folders")


def unpack(archive, destination, max_bytes, max_entries):
    os.makedirs(destination, exist_ok=True)
    destination = os.path.realpath(destination)
    with tarfile.open(archive, "r:") as tar:
        # Headers first, one at a time (never more than max_entries + 1 of them held): every entry
        # checked, and the bytes they declare summed (a sparse member declares its full size).
        members = []
        # Paths unpacking creates, folders above an entry included: a name 900 folders deep is one
        # header but 900 folders on disk, so the entry bound counts these too.
        created = set()
        declared = 0
        for member in tar:
            members.append(member)
            if len(members) > max_entries:
                raise Bound("entries", max_entries, len(members), "headers")
            check(member)
            created.update(folders_and_self(member.name))
            if len(created) > max_entries:
                raise Bound("entries", max_entries, len(created), "headers")
            if member.isfile():
                declared += member.size
                # At once: a header declaring more than the archive holds is refused as what it claims.
                if declared > max_bytes:
                    raise Bound("bytes", max_bytes, declared, "headers")
        written = 0
        for member in members:
            # The 'data' filter checks again what tarfile itself knows to be dangerous (paths outside
            # the destination, links, devices, set-uid bits): a second line if check() missed one.
            safe = tarfile.data_filter(member, destination)
            target = os.path.join(destination, safe.name)
            if safe.isdir():
                os.makedirs(target, mode=0o755, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            # Our own copy loop rather than extractall, so every byte written is counted: a sparse
            # member's holes are written (and counted) as the zeros they read as.
            mode = 0o755 if (safe.mode or 0) & 0o100 else 0o644
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
            with os.fdopen(fd, "wb") as out, tar.extractfile(member) as source:
                while True:
                    block = source.read(1 << 20)
                    if not block:
                        break
                    written += len(block)
                    if written > max_bytes:
                        raise Bound("bytes", max_bytes, written, "writing")
                    out.write(block)


def main():
    try:
        if sys.argv[1] == "pack":
            pack(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        elif sys.argv[1] == "unpack":
            unpack(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        else:
            raise Refused(f"unknown command {sys.argv[1]!r}")
    except Bound as e:
        sys.stderr.write(f"Bound: {e}\n")
        sys.exit(4)
    except (Refused, tarfile.TarError, OSError, TypeError, ValueError, RecursionError) as e:
        sys.stderr.write(f"{type(e).__name__}: {e}\n")
        sys.exit(3)


main()
