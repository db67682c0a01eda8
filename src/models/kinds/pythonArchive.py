# A Python model folder as one artifact: a plain tar built deterministically (sorted entries, mtime 0,
# owner 0/0 with no names, modes 0644/0755), so the same folder always gives the same bytes and sha256;
# and its extraction in the worker's model cache, where the archive is hostile input: only regular
# files and folders with relative names that stay inside the destination are accepted.
#   pythonArchive.py pack <folder> <out.tar>
#   pythonArchive.py unpack <archive.tar> <destination>
import os
import sys
import tarfile

SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "venv", ".ipynb_checkpoints"}


class Refused(Exception):
    pass


def pack(folder, out):
    folder = os.path.realpath(folder)
    entries = []
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


def check(member):
    name = member.name
    parts = name.split("/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise Refused(f"entry {name!r} has an absolute path")
    if ".." in parts:
        raise Refused(f"entry {name!r} leaves the model folder ('..')")
    if not (member.isfile() or member.isdir()):
        raise Refused(f"entry {name!r} is a link or a special file; a model archive holds only files and folders")


def unpack(archive, destination):
    os.makedirs(destination, exist_ok=True)
    with tarfile.open(archive, "r:") as tar:
        members = tar.getmembers()
        for member in members:
            check(member)
        # The 'data' filter checks again what tarfile itself knows to be dangerous (paths outside the
        # destination, links, devices, set-uid bits): a second line if the checks above missed one.
        tar.extractall(destination, members=members, filter="data")


def main():
    try:
        if sys.argv[1] == "pack":
            pack(sys.argv[2], sys.argv[3])
        elif sys.argv[1] == "unpack":
            unpack(sys.argv[2], sys.argv[3])
        else:
            raise Refused(f"unknown command {sys.argv[1]!r}")
    except (Refused, tarfile.TarError, OSError, TypeError) as e:
        sys.stderr.write(f"{type(e).__name__}: {e}\n")
        sys.exit(3)


main()
