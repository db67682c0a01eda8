// Arrow tables whose columns keep the order they are given in. A table made from an object of
// vectors puts integer-like names ("0", "1", as a pandas frame's columns may be) first.
import * as arrow from 'apache-arrow';

export function tableOf(names: string[], vectors: arrow.Vector[]): arrow.Table {
  const table = new arrow.Table(Object.fromEntries(vectors.map((v, i) => [`c${i}`, v])));
  const schema = new arrow.Schema(table.schema.fields.map((f, i) => f.clone({ name: names[i] })));
  return new arrow.Table(
    schema,
    table.batches.map((b) => new arrow.RecordBatch(schema, b.data)),
  );
}
