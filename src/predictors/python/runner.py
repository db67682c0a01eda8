# The Python side of a model process (src/predictors/python/pythonProcess.ts). It imports the user's
# module once, then scores one Arrow IPC stream per request with the chosen function and answers with
# an Arrow IPC stream. Control frames on fd 3 (in) and fd 4 (out): 1 byte kind (J), 4 bytes
# little-endian length, a JSON payload. The batches go through files the worker opened for us
# (batchFiles.ts): with the first descriptor F and P pairs given as arguments, pair k's batch is on
# fd F + k and its answer on fd F + P + k; a request names its pair and the batch's length, a result
# the answer's. stdout and stderr stay free for the user's prints.
# Only the standard library is imported before the pyarrow/pandas check, so a missing package is
# reported as such rather than as a crash.
import importlib.util
import inspect
import json
import os
import struct
import sys
import time
import traceback


def die_with_parent():
    # A worker that is SIGKILLed cannot stop its model processes: the kernel does it (Linux), so a model
    # in the middle of a long batch does not outlive the worker.
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            sys.exit(0)  # the worker died before we asked
    except (OSError, AttributeError):
        pass  # not Linux: an idle process still exits at the end of its input pipe


die_with_parent()
IN = os.fdopen(3, "rb", buffering=1 << 16)
OUT = os.fdopen(4, "wb", buffering=1 << 16)
HEADER = struct.Struct("<cI")
TRACE_FRAMES = 5
BATCH_FD, PAIRS = int(sys.argv[3]), int(sys.argv[4])
ANSWER_FD = BATCH_FD + PAIRS
TEXT_CHARS = 64 * 1024  # an exception's type, message or frame line, as far as it is sent (frames are bounded)


def send_json(message):
    payload = json.dumps(message).encode()
    OUT.write(HEADER.pack(b"J", len(payload)))
    OUT.write(payload)
    OUT.flush()


def read_exactly(n):
    data = IN.read(n)
    if data is None or len(data) < n:
        sys.exit(0)  # the worker closed the pipe: nothing more to do
    return data


def receive():
    _, length = HEADER.unpack(read_exactly(HEADER.size))
    return read_exactly(length) if length else b""


def read_batch(pair, length):
    data = os.pread(BATCH_FD + pair, length, 0)  # whole in one call for a regular file
    while len(data) < length:
        more = os.pread(BATCH_FD + pair, length - len(data), len(data))
        if not more:
            raise EOFError(f"a batch of {length} bytes in a file of {len(data)}")
        data += more
    return data


def write_answer(pair, buf):
    view, at = memoryview(buf), 0
    while at < len(view):
        at += os.pwrite(ANSWER_FD + pair, view[at:], at)


def error_of(exc, kind):
    frames = traceback.extract_tb(exc.__traceback__)
    # The user's frames, not the runner's: the runner's own frames come first.
    frames = [f for f in frames if os.path.abspath(f.filename) != os.path.abspath(__file__)] or frames
    return {
        "type": "error",
        "kind": kind,
        "exc_type": type(exc).__qualname__[:TEXT_CHARS],
        "message": str(exc)[:TEXT_CHARS],
        "frames": [f"{f.filename}:{f.lineno} in {f.name}: {f.line or ''}".strip()[:TEXT_CHARS] for f in frames[-TRACE_FRAMES:]],
    }


def rss_mb():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except OSError:
        import resource  # peak, not current, where /proc is missing (macOS): still a bound

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def portable(pyarrow, table):
    # Types the worker stores as they are: timestamps in microseconds (pandas may give ns), dictionaries
    # (pandas categoricals) decoded to their values.
    columns, changed = [], False
    for field, column in zip(table.schema, table.columns):
        if pyarrow.types.is_timestamp(field.type) and field.type.unit != "us":
            column, changed = column.cast(pyarrow.timestamp("us", field.type.tz), safe=False), True
        elif pyarrow.types.is_dictionary(field.type):
            column, changed = column.cast(field.type.value_type), True
        columns.append(column)
    return pyarrow.table(columns, names=table.column_names) if changed else table


def list_functions(module):
    found = []
    for name, value in vars(module).items():
        # Functions defined in the module itself: not its imports, not private helpers, not load().
        if name.startswith("_") or name == "load" or not inspect.isfunction(value):
            continue
        if value.__module__ != module.__name__:
            continue
        try:
            params = list(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            params = []
        found.append({"name": name, "params": params})
    return found


def main():
    module_path, model_dir = sys.argv[1], sys.argv[2]
    try:
        import pandas  # noqa: F401
        import pyarrow
        import pyarrow.ipc  # noqa: F401
    except ImportError as exc:
        send_json({"type": "error", "kind": "missing_package", "package": exc.name or "pyarrow", "message": str(exc)})
        return
    sys.path.insert(0, model_dir)
    try:
        spec = importlib.util.spec_from_file_location("batch_model", module_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["batch_model"] = module
        spec.loader.exec_module(module)
    except BaseException as exc:  # a SystemExit in module code is an import failure too
        send_json(error_of(exc, "import"))
        return
    functions = list_functions(module)
    load = getattr(module, "load", None)
    has_load = callable(load)
    send_json(
        {
            "type": "ready",
            "functions": functions,
            "has_load": has_load,
            "python": sys.version.split()[0],
            "pyarrow": pyarrow.__version__,
            "pandas": pandas.__version__,
        }
    )
    loaded = None
    load_done = False
    while True:
        request = json.loads(receive())
        if request.get("type") != "score":
            return
        pair = request["pair"]
        data = read_batch(pair, request["length"])  # read whole before answering: the worker reuses the pair after
        started = time.perf_counter()
        try:
            if request["function"] not in {f["name"] for f in functions}:
                raise LookupError(f"no function {request['function']!r}")
            fn = getattr(module, request["function"])
            table = pyarrow.ipc.open_stream(pyarrow.py_buffer(data)).read_all()
            df = table.to_pandas()
            decoded = time.perf_counter()
            if has_load and not load_done:
                loaded = load(model_dir)
                load_done = True
            result = fn(df, loaded) if has_load else fn(df)
            computed = time.perf_counter()
        except BaseException as exc:  # sys.exit() in user code fails the chunk; it does not end the process
            send_json(error_of(exc, "user"))
            continue
        try:
            if not isinstance(result, pandas.DataFrame):
                raise TypeError(f"{request['function']} returned {type(result).__qualname__}, not a pandas.DataFrame")
            if result.columns.duplicated().any():
                raise ValueError(f"duplicate column names {sorted(set(result.columns[result.columns.duplicated()]))}")
            out = portable(pyarrow, pyarrow.Table.from_pandas(result, preserve_index=False))
            sink = pyarrow.BufferOutputStream()
            with pyarrow.ipc.new_stream(sink, out.schema) as writer:
                writer.write_table(out)
            buf = sink.getvalue()
        except Exception as exc:
            send_json(error_of(exc, "output"))
            continue
        write_answer(pair, buf)
        encoded = time.perf_counter()
        ms = lambda a, b: round((b - a) * 1000, 3)  # noqa: E731
        send_json(
            {
                "type": "result",
                "pair": pair,
                "length": buf.size,
                "rss_mb": rss_mb(),
                "decode_ms": ms(started, decoded),
                "fn_ms": ms(decoded, computed),
                "encode_ms": ms(computed, encoded),
            }
        )


if __name__ == "__main__":
    main()
