// Reads the two things onnxruntime does not tell about an ONNX file: its metadata_props (where the
// feature column names are kept) and a classifier's class labels. A minimal protobuf walk over the
// ModelProto bytes: only the fields named here are read, everything else (weights) is skipped.
// The file is hostile input: every length is bounds-checked, and a malformed file is an error.

export interface OnnxFacts {
  metadata: Record<string, string>;
  /** Class labels of the graph's classifier node (LinearClassifier, TreeEnsembleClassifier, ...), if any. */
  classes?: (number | string)[];
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  get done() {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new Error('varint too long');
  }
  /** The next field: its number, wire type and, for length-delimited fields, a reader over its bytes. */
  field(): { no: number; wire: number; sub?: Reader; value?: bigint } {
    const tag = Number(this.varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) return { no, wire, value: this.varint() };
    if (wire === 1 || wire === 5) {
      this.skip(wire === 1 ? 8 : 4);
      return { no, wire };
    }
    if (wire === 2) {
      const len = Number(this.varint());
      if (len < 0 || this.pos + len > this.end) throw new Error('length past the end of the file');
      const sub = new Reader(this.buf, this.pos, this.pos + len);
      this.pos += len;
      return { no, wire, sub };
    }
    throw new Error(`unsupported wire type ${wire}`);
  }
  skip(n: number) {
    if (this.pos + n > this.end) throw new Error('truncated field');
    this.pos += n;
  }
  text(): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.buf.subarray(this.pos, this.end));
  }
}

const CLASS_LABEL_ATTRS = new Set(['classlabels_ints', 'classlabels_int64s', 'classlabels_strings']);
const MAX_CLASSES = 10_000;

function readAttribute(r: Reader): { name: string; ints: number[]; strings: string[] } {
  let name = '';
  const ints: number[] = [];
  const strings: string[] = [];
  while (!r.done) {
    const f = r.field();
    if (f.no === 1 && f.sub) name = f.sub.text();
    else if (f.no === 8 && f.wire === 0) ints.push(Number(f.value));
    else if (f.no === 8 && f.sub)
      while (!f.sub.done) ints.push(Number(f.sub.varint())); // packed
    else if (f.no === 9 && f.sub) strings.push(f.sub.text());
    if (ints.length + strings.length > MAX_CLASSES) throw new Error('too many class labels');
  }
  return { name, ints, strings };
}

function readNodeClasses(r: Reader): (number | string)[] | undefined {
  let classes: (number | string)[] | undefined;
  while (!r.done) {
    const f = r.field();
    if (f.no === 5 && f.sub) {
      const a = readAttribute(f.sub);
      if (CLASS_LABEL_ATTRS.has(a.name) && (a.ints.length || a.strings.length)) classes = a.strings.length ? a.strings : a.ints;
    }
  }
  return classes;
}

export function readOnnxFacts(bytes: Uint8Array): OnnxFacts {
  const facts: OnnxFacts = { metadata: {} };
  const model = new Reader(bytes);
  while (!model.done) {
    const f = model.field();
    if (f.no === 14 && f.sub) {
      let key = '';
      let value = '';
      while (!f.sub.done) {
        const e = f.sub.field();
        if (e.no === 1 && e.sub) key = e.sub.text();
        if (e.no === 2 && e.sub) value = e.sub.text();
      }
      facts.metadata[key] = value;
    } else if (f.no === 7 && f.sub) {
      while (!f.sub.done) {
        const g = f.sub.field();
        // The last classifier node in the graph is the model's own (a pipeline's earlier steps have none).
        if (g.no === 1 && g.sub) facts.classes = readNodeClasses(g.sub) ?? facts.classes;
      }
    }
  }
  return facts;
}
