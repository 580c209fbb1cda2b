"""train(): the same scheduler in a loop, with stopping, callbacks and a history."""

import pytest

from lernpy import LernpyError, Network, Trace, datasets, examples


def test_train_is_the_scheduler_run_to_the_end():
    """No second implementation: train and a hand-stepped scheduler agree bit for bit."""
    a = Network.layered(2, 3, 1, activation="tanh", seed=4)
    b = Network.layered(2, 3, 1, activation="tanh", seed=4)
    history = a.train(datasets.xor(), epochs=5, rate=0.3, batch_size=2, momentum=0.5)
    run = b.scheduler(datasets.xor(), epochs=5, rate=0.3, batch_size=2, momentum=0.5, shuffle=True)
    run.run()
    assert a.weights() == b.weights()
    assert history.loss == run.losses


def test_loss_history_is_the_mean_sample_loss_per_epoch():
    """For full-batch training the epoch's loss is the mean of the samples' losses, by hand."""
    net = Network.layered(2, 2, 1, seed=0)
    start = [net.loss(x, t) for x, t in datasets.xor()]
    history = net.train(datasets.xor(), epochs=1, batch_size=None, rate=0.1)
    assert history.loss == [pytest.approx(sum(start) / 4, rel=1e-15)]


def test_xor_is_learned():
    net = Network.layered(2, 2, 1, activation="sigmoid", seed=1)
    net.train(datasets.xor(), epochs=2000, rate=2.0)
    assert [round(net(x)[0]) for x, _ in datasets.xor()] == [0, 1, 1, 0]


def test_stops_at_the_target_loss():
    net = examples.mazur()
    history = net.train([examples.MAZUR_SAMPLE], epochs=10_000, rate=0.5, target_loss=0.01)
    assert history.loss[-1] <= 0.01 < history.loss[-2]
    assert "target loss" in history.stopped


def test_callback_receives_the_numbers_and_can_stop():
    seen = []

    def stop_at_three(report):
        seen.append((report.epoch, report.loss, report.network))
        return report.epoch == 3

    net = Network.layered(2, 2, 1, seed=0)
    history = net.train(datasets.xor(), epochs=100, callback=stop_at_three)
    assert [e for e, _, _ in seen] == [1, 2, 3]
    assert [loss for _, loss, _ in seen] == history.loss
    assert seen[0][2] is net
    assert "callback" in history.stopped and history.epochs == 3


def test_bad_target_loss_is_an_error():
    with pytest.raises(LernpyError, match="target_loss"):
        Network.layered(2, 1).train(datasets.xor(), target_loss="low")


def test_softmax_cross_entropy_training_learns_a_gate_pair():
    """One-hot targets with softmax and cross-entropy (sensitivity value − target)."""
    data = [(x, (1.0 - t[0], t[0])) for x, t in datasets.xor()]
    net = Network.layered(
        2, 4, 2, activation="tanh", output="softmax", loss="cross_entropy", seed=3
    )
    net.train(data, epochs=1500, rate=0.3)
    assert [max(range(2), key=net(x).__getitem__) for x, _ in data] == [0, 1, 1, 0]


@pytest.mark.parametrize("engine", ["reference", "compiled", "numpy"])
def test_training_with_a_full_trace_walks_no_garbage_collection_through_the_network(engine):
    """A network's neurons and links hold each other (a cycle): a full collection walks every
    one of them. Training leaves no objects behind per step (a trace keeps numbers, not
    records), so none is triggered, however many epochs."""
    import gc

    net = Network.layered(2, 16, 16, 1, activation="tanh", seed=4)
    data = [((x / 20, (x % 7) / 7), (float(x % 2),)) for x in range(40)]
    trace = Trace() if engine == "reference" else None
    net.train(data, epochs=1, engine=engine, trace=trace)  # built once: plans, code, arrays
    full = []

    def count(phase, info):
        if phase == "start" and info["generation"] == 2:
            full.append(info)

    gc.collect()
    gc.callbacks.append(count)
    try:
        net.train(data, epochs=200, engine=engine, trace=trace)
        for _ in range(20):
            net.train(data, epochs=1, engine=engine, trace=trace)
    finally:
        gc.callbacks.remove(count)
    assert full == []
    if trace is not None:
        links = len(net.links)  # each sample: presented, delivered, fired, scored, sensed, ...
        assert len(trace) == 221 * (40 * (1 + links + 33 + 1 + 33 + links + links) + 1)


@pytest.mark.parametrize("engine", ["reference", "compiled"])
def test_options_checked_once_are_taken_again_only_for_exactly_the_same_values(engine):
    # train() keeps the last call's checked options: a call with a value of another type
    # that compares equal (True == 1, 2 == 2.0) or another length of data is checked anew
    import dataclasses

    net, data = Network.layered(2, 2, 1, seed=1), datasets.xor()
    options = dict(rate=0.5, shuffle=False, engine=engine)
    net.train(data, batch_size=1, **options)
    for bad, message in [
        (dict(batch_size=True), "batch_size is True"),
        (dict(batch_size=1.0), "batch_size is 1.0"),
        (dict(batch_size=1, epochs=True), "epochs is True"),
        (dict(batch_size=1, epochs=1.0), "epochs is 1.0"),
        (dict(batch_size=1, shuffle=1), "shuffle is 1"),
    ]:
        with pytest.raises(LernpyError, match=message):
            net.train(data, **{**options, **bad})
    history = net.train(data, batch_size=4, **options)
    assert history.options["batch_size"] == 4
    again = net.train(data[:3], batch_size=4, **options)  # the batch: all 3 samples
    fresh = Network.layered(2, 2, 1, seed=1)
    fresh.train(data, batch_size=1, **options)
    fresh.train(data, batch_size=4, **options)
    alone = fresh.train(data[:3], batch_size=3, **options)
    assert [k.weight for k in net.links] == [k.weight for k in fresh.links]
    assert again.loss == alone.loss
    with pytest.raises(dataclasses.FrozenInstanceError):  # shared by calls: it cannot change
        again.options["optimizer"].rate = 0.1
