#!/usr/bin/env python3
"""TensorBoard event-file fixtures for nmt's hand-written writer (Application/Export).

make:   writes Tests/Fixtures/tensorboard/scalars.tsv (the input) and reference.tfevents,
        the same events written by tensorboard's own RecordWriter and Event protobuf, so
        the Swift test can compare bytes.
read FILE: prints the scalars TensorBoard's EventAccumulator reads from an event file
        (e.g. one written by `nmt metrics NAME --format tensorboard`), as TSV.

Needs `pip install tensorboard` (2.x). Not used by tests or CI.
"""
import io
import os
import sys

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "tensorboard")
CREATED = 1764547200.25
SCALARS = [
    ("valid/bleu", 0, 0.0, CREATED),  # proto3 leaves a zero step out, not a zero oneof value
    ("train/loss", 10, 9.8125, CREATED + 1.5),
    ("train/lr", 10, 2.5e-4, CREATED + 1.5),
    ("valid/loss", 10, 9.5, CREATED + 1.5),
    ("train/loss", 20, 7.0625, CREATED + 3.0),
    ("train/rho_t", 20, -1.0, CREATED + 3.0),
    ("valid/bleu", 1000000, 23.456, CREATED + 86400.125),
    ("train/grad_norm", 2**40, float("inf"), CREATED + 99999.5),
]


def make():
    os.makedirs(HERE, exist_ok=True)
    with open(os.path.join(HERE, "scalars.tsv"), "w") as f:
        f.write("# tag\tstep\tvalue\twall_time (first event: file_version at %r)\n" % CREATED)
        for tag, step, value, wall in SCALARS:
            f.write("%s\t%d\t%r\t%r\n" % (tag, step, value, wall))
    buffer = io.BytesIO()
    writer = RecordWriter(buffer)
    writer.write(event_pb2.Event(wall_time=CREATED, file_version="brain.Event:2").SerializeToString())
    for tag, step, value, wall in SCALARS:
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        writer.write(event_pb2.Event(wall_time=wall, step=step, summary=summary).SerializeToString())
    writer.flush()
    with open(os.path.join(HERE, "reference.tfevents"), "wb") as f:
        f.write(buffer.getvalue())
    print("wrote", len(buffer.getvalue()), "bytes")


def read(path):
    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(path, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    for tag in sorted(acc.Tags()["scalars"]):
        for e in acc.Scalars(tag):
            print("%s\t%d\t%r\t%r" % (tag, e.step, e.value, e.wall_time))


if __name__ == "__main__":
    if sys.argv[1:] == ["make"]:
        make()
    elif len(sys.argv) == 3 and sys.argv[1] == "read":
        read(sys.argv[2])
    else:
        sys.exit(__doc__)
