"""The numpy engine: layered networks as weight matrices, one batch at a time.

Layer ``li``'s incoming links become a matrix ``W[li]`` with one row per neuron of
layer ``li`` and one column per neuron of layer ``li − 1``, plus a last column for
the bias link (the bias neuron's value, 1.0, is a column of ones in the layer's
values). A missing link is a 0 that never changes; a frozen one never changes
either. A batch of ``B`` samples runs as ``B``-row matrices:

    net = values_prev · Wᵀ               value = activation(net)
    error_prev = sensitivity · W[:, :-1]  sensitivity = error · activation′
    W ← W − rate · (sensitivityᵀ · values_prev) / divisor

Only the order of additions inside a matrix product differs from the reference,
so each step's numbers agree with the scheduler's to about 1e-15 (relative); over
many updates training amplifies that difference as it amplifies any rounding
(see the README: no fixed bound holds on a long, unsteady run). numpy is an
optional dependency: without it this module does not import and ``train`` picks
another engine.
"""

from __future__ import annotations

import ctypes
import math
import weakref
from array import array
from collections.abc import Sequence
from functools import partial
from itertools import chain

import numpy as np

from lernpy.engines import blas
from lernpy.engines.base import Checkpoint, Options, builtin, config, velocity_of, weights
from lernpy.engines.blas import NO_TRANS, ROW_MAJOR, TRANS, dger, gemm
from lernpy.graph.link import DetachedLink
from lernpy.graph.losses import BCE, BCE_MEAN, CROSS_ENTROPY, HALF_SSE, MSE, TINY
from lernpy.graph.network import Network
from lernpy.optim import State

NAME = "numpy"
# CHECKS. The reference stops on any net, sensitivity or blame that is not finite.
# Most of them reach the weights or the loss, checked after the epoch, but a net of
# inf under tanh or sigmoid does not (value 1, slope 0), nor does the blame a link
# sends to an input or bias neuron (w · s, summed by nothing). So each sample (or
# batch) adds Σ net · sensitivity over every neuron and Σ of the blames into layer 0
# to a check, which is NaN or infinite if any of them is; an overflow of finite
# numbers only sends the epoch to the reference, which judges it exactly. A batch
# moved by dgemm (plain SGD) bounds those blames instead of computing them (a product
# as large as the forward pass's first): a non-finite weight stays so to the epoch's
# end, a non-finite sensitivity makes its net · sensitivity so, and a product of
# finite numbers, |w·s| ≤ ‖W₁‖·‖S₁‖ (Frobenius norms), with ‖W₁‖ growing by at most
# |factor|·‖S₁‖·‖A₀‖ a batch: the check adds twice that bound, which overflows first.
# Matrices with at least this many entries take BLAS's one-pass rank-1 update (dger)
# in per-sample training, where numpy would read and write them three times.
BLAS_MIN = 64
ELEMENTWISE = ("sigmoid", "tanh", "identity", "relu", "leaky_relu")


def _loss_name(net: Network) -> str | None:
    lf = net.loss_function
    for known in (HALF_SSE, MSE, BCE, BCE_MEAN, CROSS_ENTROPY):
        if lf.value is known.value and lf.gradient is known.gradient:
            return known.name
    return None


def _layer_activation(layer) -> str | None:
    """The layer's shared activation name, if every neuron has the same supported one."""
    acts = {id(n.activation) for n in layer}
    if len(acts) != 1:
        return None
    act = layer[0].activation
    if act.layerwise:
        return "softmax" if act.name == "softmax" and all(n.group == layer for n in layer) else None
    return builtin(act)


def _analysis(net: Network, conf: tuple | None = None) -> tuple[str | None, Layout | None]:
    """Why not (or None) and the layout, cached per topology (``conf``: ``config(net)``)."""
    key = conf or config(net)
    cached = net.cache.get("numpy layout")
    if cached is None or cached[0] != key:
        reason = _why_not(net)
        cached = (key, reason, Layout(net) if reason is None else None)
        net.cache["numpy layout"] = cached
    return cached[1], cached[2]


def why_not(net: Network, options: Options) -> str | None:
    """None if this engine can train ``net``, else the reason."""
    if options is not None and options.special is not None:
        return options.special
    return _analysis(net)[0]


def _why_not(net: Network) -> str | None:
    if net.shared_weights:
        names = ", ".join(s.name for s in net.shared_weights[:3])
        return f"shared weights ({names}{', …' if len(net.shared_weights) > 3 else ''}): " + (
            "numpy keeps one matrix entry per link"
        )
    for link in net.links:
        if isinstance(link, DetachedLink):
            return f"link {link.name} is detached (truncated BPTT): numpy sends blame along all"
    if _loss_name(net) is None:
        return f"loss {net.loss_function.name!r} is not one of the built-in losses"
    layers = net.layers
    if len(layers) < 2:
        return "no computing layer"
    # layer numbers may skip (0, 1, 5): what counts is each layer's place in the list
    place = {layer[0].layer: li for li, layer in enumerate(layers)}
    for li, layer in enumerate(layers[1:], start=1):
        if _layer_activation(layer) is None:
            return f"layer {li} mixes activations or uses one numpy does not know"
        for n in layer:
            if n.kind == "output" and li != len(layers) - 1:
                return f"output {n.name} is not in the last layer"
            biases = 0
            for link in n.incoming:
                src = link.source
                if src.kind == "bias":
                    biases += 1
                    if src.value != 1.0:
                        return f"bias neuron {src.name} has value {src.value}, not 1.0"
                elif place[src.layer] != li - 1:
                    return f"link {link.name} skips a layer"
            if biases > 1:
                return f"neuron {n.name} has {biases} bias links"
    if [id(n) for n in layers[-1]] != [id(n) for n in net.outputs]:
        return "the last layer is not exactly the outputs"
    return None


def cost(net: Network, options: Options) -> float:
    """Estimated seconds per sample, fitted on a 2-core x86 machine (a rough guide:
    ``train`` times the engines when their estimates are close).

    About 5 µs of numpy calls per sample or batch plus 7 µs per layer, shared by
    the samples of a batch, and 3 ns per link of arithmetic.
    """
    layers = len(net.layers) - 1
    return (5e-6 + 7e-6 * layers) / options.batch_size + 3e-9 * len(net.links)


class Layout:
    """Where each link lives: layer, row and column of the weight matrices."""

    def __init__(self, net: Network) -> None:
        layers = net.layers
        self.sizes = [len(layer) for layer in layers]
        self.acts = [_layer_activation(layer) for layer in layers[1:]]
        self.loss = _loss_name(net)
        self.exact = net.exact_loss()  # the loss from the nets, as Network.output_loss does
        self.fused = net.fused(layers[-1][0])
        self.leaky = 0.01
        row_of = {id(n): j for layer in layers for j, n in enumerate(layer)}
        shapes = [(self.sizes[li], self.sizes[li - 1] + 1) for li in range(1, len(layers))]
        offsets = np.cumsum([0] + [r * c for r, c in shapes])
        self.shapes = shapes
        self.offsets = offsets
        flat = np.empty(len(net.links), dtype=np.intp)
        place = {layer[0].layer: li for li, layer in enumerate(layers)}
        for i, link in enumerate(net.links):
            li = place[link.target.layer]
            r, c = shapes[li - 1]
            col = c - 1 if link.source.kind == "bias" else row_of[id(link.source)]
            flat[i] = offsets[li - 1] + row_of[id(link.target)] * c + col
        self.flat = flat
        # links in matrix order (a layered network's usually are): no gathering needed
        self.whole = len(flat) == offsets[-1] and bool((flat == np.arange(len(flat))).all())
        trainable = np.zeros(offsets[-1], dtype=bool)
        trainable[flat[[not link.frozen for link in net.links]]] = True
        self.mask = None if trainable.all() else trainable.astype(np.float64)
        self.write_neurons = _neuron_writer(net)

    def linkwise(self, flat: np.ndarray) -> np.ndarray:
        """A copy of a flat array's entries in link order."""
        return flat.copy() if self.whole else flat[self.flat]

    def listed(self, flat: np.ndarray) -> list[float]:
        """A flat array's entries in link order, as Python floats."""
        return (flat if self.whole else flat[self.flat]).tolist()

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of one flat array as the layers' matrices."""
        return [
            flat[self.offsets[li] : self.offsets[li + 1]].reshape(shape)
            for li, shape in enumerate(self.shapes)
        ]


class Session:
    """Training state of the numpy engine between epochs (and between train() calls)."""

    name = NAME
    fitted: tuple = (None, None)  # (config, options) it was last found to fit (engines.session)

    def __init__(self, net: Network, samples: list, options: Options) -> None:
        self._net = weakref.ref(net)
        self.samples, self.options = samples, options
        lay = _analysis(net)[1]
        assert lay is not None, "the numpy engine was chosen for a network it cannot train"
        self.layout = lay
        links = net.links
        size = int(lay.offsets[-1])
        self.flat_w = np.zeros(size)
        self.flat_u = np.zeros(size)
        self.W = lay.split(self.flat_w)
        self.U = lay.split(self.flat_u)
        self.G = [np.zeros(shape) for shape in lay.shapes]
        self.M = None if lay.mask is None else lay.split(lay.mask)
        self.old = np.zeros(size)  # the weights the last sample ran with
        self.written: list[float] = []  # the weights the network was last given (or gave)
        self.velocities = np.zeros(0)  # and its velocities
        self._load(net)
        # inputs with a column of ones for the bias; each sample a (1, n) view
        n0 = lay.sizes[0]
        X = np.ones((len(samples), n0 + 1))
        N, nL = len(samples), lay.sizes[-1]
        X[:, :n0] = np.fromiter(chain.from_iterable(x for x, _ in samples), float, N * n0).reshape(
            N, n0
        )
        self.X = X
        self.T = np.fromiter(chain.from_iterable(t for _, t in samples), float, N * nL).reshape(
            N, nL
        )
        self.X1 = X[:, None, :]
        self.Tt = np.ascontiguousarray(self.T.T)  # a sample's targets a column, as in a batch
        self.buffers: dict[int, dict] = {}
        self.last: tuple | None = None
        self.stepped = False
        self.frozen = np.array([link.frozen for link in links], dtype=bool)
        self.check = 0.0  # the last epoch's sum of checks (see CHECKS)
        self.rate = options.rate
        self._sample_code: tuple | None = None
        self._batch_code = None
        self._batch_views: dict[int, tuple] = {}
        self.pending: object = None  # what this session left pending in the network

    @property
    def net(self) -> Network:
        net = self._net()
        assert net is not None, "a session outlived its network"
        return net

    def _load(self, net: Network) -> None:
        """Take the weights and velocities from the network's links."""
        lay = self.layout
        self.written = weights(net)[0]()
        self.flat_w[lay.flat] = self.written
        self.velocities = np.array([velocity_of(link, self.options) for link in net.links])
        self.flat_u[lay.flat] = self.velocities

    def fits(
        self, net: Network, samples: list, options: Options, conf: tuple | None = None
    ) -> bool:
        """Can this session train ``net`` on ``samples`` with ``options`` (the rate aside)?"""
        o = self.options
        return (
            samples is self.samples
            and (options.momentum, options.batch_size, options.reduce, options.form)
            == (o.momentum, o.batch_size, o.reduce, o.form)
            and _analysis(net, conf)[1] is self.layout
        )

    def sync(self) -> None:
        """Take up the weights (and velocities) the network holds, if they are not ours."""
        net = self.net
        changed = weights(net)[0]() != self.written
        if not changed and self.options.momentum and net.pending is not self.pending:
            # (while ours wait to be written, nothing has changed them)
            now = [velocity_of(link, self.options) for link in net.links]
            changed = not np.array_equal(now, self.velocities)
        if changed:
            self._load(net)
        self.last, self.stepped = None, False  # the network holds the last sample's numbers

    def _buffers(self, B: int) -> dict:
        """Each layer's numbers for a batch of B, one column per sample: (n, B) matrices,
        so that a layer's values are the first n rows of its values and the bias's ones,
        contiguous (numpy's elementwise calls run fastest on contiguous memory)."""
        if B not in self.buffers:
            lay = self.layout
            A = [np.ones((n + 1, B)) for n in lay.sizes[:-1]] + [np.empty((lay.sizes[-1], B))]
            # the batch's nets and sensitivities side by side, and the blames into layer 0
            # beside ones: one dot product checks them all (see CHECKS)
            total = B * (sum(lay.sizes[1:]) + lay.sizes[0] + 1)
            nets, sens = np.empty(total), np.ones(total)
            Z, S = [np.empty((lay.sizes[0], B))], [np.empty((lay.sizes[0], B))]
            at = 0
            for n in lay.sizes[1:]:
                Z.append(nets[at : at + B * n].reshape(n, B))
                S.append(sens[at : at + B * n].reshape(n, B))
                at += B * n
            self.buffers[B] = {
                "Zs": nets[:at],  # (every layer's nets, the blames into layer 0 aside)
                "Ss": sens[:at],
                "A": A,
                "V": [a[:n] for a, n in zip(A, lay.sizes)],
                "Z": Z,
                "E": [np.empty((n, B)) for n in lay.sizes],
                "S": S,
                "R": [np.empty((n, B)) for n in lay.sizes],
                "tmp": [np.empty((n, B)) for n in lay.sizes],
                "C": [np.empty((n, B)) for n in lay.sizes],
                "nets": nets,
                "sens": sens,
                "B0": nets[at:].reshape(lay.sizes[0] + 1, B),
            }
            if B == 1:  # (the per-sample loop's 1-D views of them)
                self.nets, self.sens, self.blame0 = nets, sens, nets[at:]
        return self.buffers[B]

    # -- the engine interface ----------------------------------------------------

    def checkpoint(self, epoch: int, order: Sequence[int], rng: tuple) -> Checkpoint:
        velocities, kind = self._velocities(), self.options.kind
        return Checkpoint(epoch, self.weights_array(), velocities, tuple(order), rng, kind)

    def _velocities(self) -> np.ndarray | None:
        """Per link, the momentum's velocity (None without momentum: states are left alone)."""
        if not self.options.momentum:
            return None
        return self.layout.linkwise(self.flat_u)

    def weights_array(self) -> np.ndarray:
        return self.layout.linkwise(self.flat_w)

    def checkpoint_of(self, epoch: int, point: Checkpoint) -> Checkpoint:
        """The checkpoint :meth:`epochs` recorded (already one)."""
        return point

    def epochs(
        self,
        start: int,
        order: list[int],
        rates: Sequence[float],
        shuffle: bool,
        points: list | None = None,
        sums: list[float] | None = None,
    ) -> tuple:
        """Train an epoch per rate in ``rates``, shuffling as the scheduler does.

        Returns (checkpoints, loss sums, the epoch that turned non-finite or None,
        the order after the last shuffle). Stops after a non-finite epoch. The
        checkpoints and loss sums go to ``points`` and ``sums`` as they are made.
        """
        rng = self.net.rng
        points = [] if points is None else points
        sums = [] if sums is None else sums
        for j, rate in enumerate(rates):
            points.append(self.checkpoint(start + j, order, rng.getstate() if shuffle else None))
            if shuffle:
                order = order[:]
                rng.shuffle(order)
            try:
                total = self.epoch(order, rate)
                ok = math.isfinite(total) and self.finite()
            except (OverflowError, ZeroDivisionError, ValueError):
                total, ok = math.nan, False
            sums.append(total)
            if not ok:
                return points, sums, j, order
        return points, sums, None, order

    def epoch(self, order: list[int], rate: float) -> float:
        """Train one epoch in ``order`` at ``rate``; return the sum of the sample losses."""
        bs, N = self.options.batch_size, len(order)
        self.rate = rate
        total = 0.0
        self.check = 0.0  # see CHECKS
        with np.errstate(all="ignore"):  # non-finite results are caught after the epoch
            if bs == 1:
                run, alpha = self._per_sample()
                alpha.value = -rate
                total, self.check = run(order, rate)
                self.last, self.stepped = (order[-1], self._buffers(1)), True
            else:
                batch, in_order = self._batch()
                mean = self.options.reduce == "mean"
                # (PyTorch's form: factor 1 ÷ divisor, the gradient; else −rate ÷ divisor)
                scale = 1.0 if self.options.momentum and self.options.form == "pytorch" else -rate
                batches = in_order if order == list(range(N)) else self._gathered(order)
                # ‖W₁‖, a bound of the blames into layer 0 with dgemm (see CHECKS)
                reach = math.sqrt(float(np.vdot(self.W[0], self.W[0]))) if self._gemm() else 0.0
                inputs = self._input_norm
                for xs, ts, at, B, views, last in batches:
                    factor = scale / B if mean else scale
                    loss, check, norm = batch(xs, ts, last, rate, factor, views, at)
                    total += loss
                    self.check += check + 2.0 * reach * norm
                    reach += abs(factor) * norm * math.sqrt(B) * inputs
                self.last, self.stepped = (order[-1], self._buffers(B)), True
        return total

    def _gathered(self, order: list[int]):
        """Each batch of a shuffled epoch: inputs, targets, where dgemm finds the inputs,
        size, buffers and whether it is the last, the samples gathered into the buffers."""
        X, T, bs, N = self.X, self.Tt, self.options.batch_size, len(order)
        for start in range(0, N, bs):
            B = min(bs, N - start)
            views = self._views(B)
            idx = order[start : start + bs]
            xs = X.take(idx, axis=0, out=views[-2])
            ts = T.take(idx, axis=1, out=views[-1])
            yield xs, ts, views[-3], B, views, start + bs >= N

    def _views(self, B: int) -> tuple:
        """The buffers of a batch of B, in the order the generated batch takes them."""
        if B not in self._batch_views:
            b, lay = self._buffers(B), self.layout
            L, ptr = len(lay.sizes) - 1, ctypes.c_void_p
            views = [b["nets"], b["sens"], b["B0"], b["Zs"], b["Ss"]]
            for li in range(1, L + 1):
                views += [b[key][li] for key in ("Z", "V", "A", "E", "S", "R", "tmp", "C")]
                views.append(b["A"][li].T)
            if self._gemm():  # dgemm's arguments: the batch size, sensitivities, values
                integer, ptr = gemm[1], ctypes.c_void_p
                views.append(integer(B))
                views += [ptr(b["S"][li].ctypes.data) for li in range(1, L + 1)]
                views += [ptr(b["A"][li].ctypes.data) for li in range(1, L)]
            # a shuffled batch's inputs (a row each) and targets (a column each), gathered
            inputs, targets = np.ones((B, lay.sizes[0] + 1)), np.empty((lay.sizes[-1], B))
            self._batch_views[B] = (*views, ptr(inputs.ctypes.data), inputs, targets)
        return self._batch_views[B]

    def _batch(self) -> tuple:
        """One batch as straight-line code generated for this layout (see :func:`_batch_code`),
        and the batches of an epoch in the data's order, as :meth:`_gathered` yields them: the
        inputs are views of the data, the targets copied once into a column per sample."""
        if self._batch_code is None:
            X, T, bs, N = self.X, self.Tt, self.options.batch_size, len(self.X)
            # the largest input's norm (with the bias's 1.0): a bound's factor (see CHECKS)
            self._input_norm = float(np.sqrt((X * X).sum(axis=1)).max()) if N else 0.0
            in_order = []
            for start in range(0, N, bs):
                B = min(bs, N - start)
                ts = np.ascontiguousarray(T[:, start : start + bs])
                at = ctypes.c_void_p(X.ctypes.data + start * X.strides[0]) if self._gemm() else None
                in_order.append((X[start : start + bs], ts, at, B, self._views(B), start + bs >= N))
            self._batch_code = (_batch_code(self), in_order)
        return self._batch_code

    def _gemm(self) -> bool:
        """Does a batch move the weights by BLAS's dgemm? (plain SGD, no frozen link)"""
        return gemm is not None and self.layout.mask is None and not self.options.momentum

    def _per_sample(self) -> tuple:
        """The per-sample loop as straight-line code generated for this layout, and its rate.

        One sample is a fixed list of numpy calls on 1-D views of preallocated
        buffers (and BLAS's one-pass rank-1 update, ``dger``, for the weights,
        where it is found): written out once, with no loops or tests per layer.
        The last sample updates with numpy's own operations, which leaves each
        link's last step where :meth:`_velocities` finds it.
        """
        if self._sample_code is None:
            self._sample_code = _sample_loop(self)
        return self._sample_code

    def finite(self) -> bool:
        return math.isfinite(self.check) and bool(np.isfinite(self.flat_w).all())

    def write_back(self) -> None:
        """Leave the network's objects as the reference would have.

        Weights, velocities and the neurons' numbers are written now; each link's
        value, sensitivity and blame for the last sample when one is first looked
        at (``Network.pending``): a train() call's fixed cost stays small.
        """
        net, lay = self.net, self.layout
        written = lay.listed(self.flat_w)
        links = net.links
        if self.last is None:  # no epoch ran: only the weights are ours
            weights(net)[1](written)
            self.written = written
            return
        i, b = self.last  # (the last sample's numbers are its buffers' last column)
        Z, V, E, S = b["Z"], b["V"], b["E"], b["S"]
        rows = [self.X[i, : lay.sizes[0]].tolist(), self.T[i].tolist()]
        for li in range(1, len(lay.sizes)):
            rows += [Z[li][:, -1].tolist(), V[li][:, -1].tolist(), E[li][:, -1].tolist()]
            rows.append(S[li][:, -1].tolist())
        lay.write_neurons(*rows)
        velocities = self._velocities()  # (a copy)
        if net.pending is not None and net.pending is not self.pending:
            net.settle()  # (numbers another session left: before ours replace them)
        weights(net)[1](written)  # (a frozen link's is its own)
        # the last sample's values (the bias's 1.0 too) and sensitivities, the weights it
        # ran with and the last steps: enough to work out each link's numbers when asked
        values = [
            self.X[i].copy(),
            *(b["A"][li][:, -1].copy() for li in range(1, len(lay.sizes) - 1)),
        ]
        sensitivities = [b["S"][li][:, -1].copy() for li in range(1, len(lay.sizes))]
        self.pending = partial(
            _link_numbers, links, lay, self.old.copy(), values, sensitivities, velocities,
            self.options.kind,
        )  # fmt: skip
        net.pending = self.pending
        self.written = written
        if velocities is not None:
            self.velocities = velocities
        self.last, self.stepped = None, False

    def written_array(self) -> array:
        """The weights :meth:`write_back` last gave the network (its links hold them).

        Made from the float64 bytes, not float by float: the same numbers, ~15× faster.
        """
        kept = array("d")
        lay = self.layout
        kept.frombytes(memoryview(self.flat_w if lay.whole else self.flat_w[lay.flat]).cast("B"))
        return kept


def _neuron_writer(net: Network):
    """``write(x, t, z1, v1, e1, s1, z2, …)``: the last sample's inputs, targets and each
    computing layer's nets, values, errors and sensitivities into the neurons, written out
    once per topology (one attribute per neuron, no loop)."""
    index = {id(n): k for k, n in enumerate(net.neurons)}
    space: dict[str, object] = {f"N{k}": n for k, n in enumerate(net.neurons)}
    args, body = ["x", "t"], []

    def put(neurons, field: str, values: str) -> None:
        if neurons:
            body.append(f"    {''.join(f'N{index[id(n)]}.{field}, ' for n in neurons)}= {values}")

    put(net.inputs, "value", "x")
    put(net.outputs, "target", "t")
    for li, layer in enumerate(net.layers[1:], start=1):
        for field, name in (("net", "z"), ("value", "v"), ("error", "e"), ("sensitivity", "s")):
            args.append(f"{name}{li}")
            put(layer, field, f"{name}{li}")
    exec(f"def write({', '.join(args)}):\n" + "\n".join(body or ["    pass"]) + "\n", space)
    return space["write"]


def _link_numbers(
    links: list, lay: Layout, old: np.ndarray, values: list, sens: list,
    velocities: np.ndarray | None, kind: str,
) -> None:  # fmt: skip
    """Each link's numbers from the last sample, with the weights it ran with:
    value = weight · source value, ∂E/∂w = target sensitivity · source value,
    blame = weight · target sensitivity (what the reference's last steps set), and
    with momentum each trainable link's state, its velocity."""
    weights = lay.split(old)
    v_all, s_all, b_all = [], [], []
    for w, a, s in zip(weights, values, sens):
        v_all.append((w * a[None, :]).ravel())
        s_all.append((s[:, None] * a[None, :]).ravel())
        b_all.append((w * s[:, None]).ravel())
    flat = lay.flat
    rows = zip(
        links,
        np.concatenate(v_all)[flat].tolist(),
        np.concatenate(s_all)[flat].tolist(),
        np.concatenate(b_all)[flat].tolist(),
    )
    for link, v, s, b in rows:
        link._value, link._sensitivity, link._blame = v, s, b
    if velocities is not None:
        for link, u in zip(links, velocities.tolist()):
            if not link._frozen:
                link._state = State(kind, 0, u)


def _sample_loop(session: Session) -> tuple:
    """Generate ``run(order, rate) -> (loss sum, check)``: one sample at a time, written out.

    Returns the function and the ctypes double that holds −rate for BLAS. (The
    output's errors, where the sensitivity does not need them, only for the last sample:
    they are written back.)
    """
    lay, o = session.layout, session.options
    b = session._buffers(1)
    L = len(lay.sizes) - 1
    W, U, G, M = session.W, session.U, session.G, session.M
    form = o.form if o.momentum else None  # SGD's momentum form, if any
    use_blas = dger is not None and blas.raw is not None and M is None
    on_blas = [False] + [use_blas and w.size >= BLAS_MIN for w in W]  # per layer
    ptr = ctypes.c_void_p
    alpha = ctypes.c_double(-o.rate)
    env: dict[str, object] = {
        "np": np, "dot": np.dot, "exp": np.exp, "log": np.log, "negative": np.negative,
        "divide": np.divide, "add": np.add, "tanh": np.tanh, "maximum": np.maximum,
        "subtract": np.subtract, "multiply": np.multiply, "copyto": np.copyto,
        "greater": np.greater, "clip": np.clip, "X": session.X, "Y": session.T,
        "Yneg": -session.T, "Y1": 1.0 - session.T, "old": session.old,
        "flat_w": session.flat_w, "nets": session.nets, "sens": session.sens,
        "B0": session.blame0, "TINY": TINY, "LEAKY": lay.leaky, "float": float,
        "momentum": o.momentum, "alpha": alpha, "log1p": np.log1p, "absolute": np.absolute,
        "vdot": np.vdot,
    }  # fmt: skip
    if use_blas:
        integer = blas.integer_type
        env.update(dger=blas.raw, R=ctypes.c_int(ROW_MAJOR), one=integer(1))
        env["unit"] = ctypes.c_double(1.0)
        env["xp"] = [
            ptr(session.X.ctypes.data + i * session.X.strides[0]) for i in range(len(session.X))
        ]
    for li in range(1, L + 1):
        env[f"W{li}"], env[f"U{li}"], env[f"G{li}"] = W[li - 1], U[li - 1], G[li - 1]
        env[f"Wc{li}"] = W[li - 1][:, :-1]
        if M is not None:
            env[f"M{li}"] = M[li - 1]
        for name, key in (("Z", "Z"), ("V", "V"), ("A", "A"), ("E", "E"), ("S", "S"),
                          ("T", "tmp"), ("C", "C"), ("R", "R")):  # fmt: skip
            env[f"{name}{li}"] = b[key][li][:, 0]
        env[f"Sc{li}"] = b["S"][li]  # a column, for the outer product
        env[f"Ar{li}"] = b["A"][li].T  # a (1, n + 1) row of values and the bias's 1.0
        if use_blas:
            rows, cols = lay.shapes[li - 1]
            env[f"r{li}"], env[f"c{li}"] = integer(rows), integer(cols)
            env[f"s{li}"] = ptr(b["S"][li].ctypes.data)
            env[f"a{li}"] = ptr(b["A"][li].ctypes.data)
            env[f"w{li}"] = ptr((U if form else W)[li - 1].ctypes.data)
    env["X2"] = session.X1

    body: list[str] = []
    for li in range(1, L + 1):  # forward
        a = "X[i]" if li == 1 else f"A{li - 1}"
        body.append(f"dot(W{li}, {a}, out=Z{li})")
        body += _activation(lay.acts[li - 1], li)
    body += _score(lay, L, "Y[i]", columns=False)
    for li in range(L, 0, -1):  # backward
        if li < L:
            body += _slope(lay.acts[li - 1], li)
        if li > 1:  # the blame flows back through the weights before any update
            body.append(f"dot(S{li}, Wc{li}, out=E{li - 1})")
    # see CHECKS: every net times its sensitivity, and the blames into layer 0
    body.append("dot(S1, W1, out=B0)")
    body.append("check += float(dot(nets, sens))")
    body.append("if last:")
    body.append("    copyto(old, flat_w)")
    for li in range(1, L + 1):
        if on_blas[li]:  # one pass: A += alpha · s vᵀ
            a = "xp[i]" if li == 1 else f"a{li - 1}"
            if form:
                body.append(f"multiply(U{li}, momentum, out=U{li})")
            step = "unit" if form == "pytorch" else "alpha"  # b ← μ·b + g; else −rate · g
            body.append(f"dger(R, r{li}, c{li}, {step}, s{li}, one, {a}, one, w{li}, c{li})")
            if form == "pytorch":  # w ← w − rate · b
                body += [f"multiply(U{li}, minus_rate, out=G{li})", f"add(W{li}, G{li}, out=W{li})"]
            elif form:
                body.append(f"add(W{li}, U{li}, out=W{li})")
        else:
            body += _numpy_update(li, M is not None, form)
    code = ["def run(order, rate):", "    total = check = 0.0", "    minus_rate = -rate",
            "    final = len(order) - 1", "    for p, i in enumerate(order):",
            "        last = p == final"]  # fmt: skip
    code += ["        " + line for line in body if line]
    code.append("    return total, check")
    exec("\n".join(code) + "\n", env)
    return env["run"], alpha


def _activation(act: str, li: int, columns: bool = False) -> list[str]:
    """Layer li's values from its nets (1-D views of one sample, or ``columns`` of a batch)."""
    if act == "sigmoid":
        return [f"negative(Z{li}, out=T{li})", f"exp(T{li}, out=T{li})",
                f"add(T{li}, 1.0, out=T{li})", f"divide(1.0, T{li}, out=V{li})"]  # fmt: skip
    if act == "tanh":
        return [f"tanh(Z{li}, out=V{li})"]
    if act == "relu":
        return [f"maximum(Z{li}, 0.0, out=V{li})"]
    if act == "leaky_relu":
        return [f"multiply(Z{li}, LEAKY, out=T{li})", f"maximum(Z{li}, T{li}, out=V{li})"]
    if act == "identity":
        return [f"copyto(V{li}, Z{li})"]
    # softmax, shifted by the largest net (of each column)
    each = "axis=0, keepdims=True" if columns else ""
    return [f"subtract(Z{li}, Z{li}.max({each}), out=T{li})", f"exp(T{li}, out=T{li})",
            f"divide(T{li}, T{li}.sum({each}), out=V{li})"]  # fmt: skip


def _slope(act: str, li: int, columns: bool = False) -> list[str]:
    """Layer li's sensitivities from its errors (of one sample, or ``columns`` of a batch)."""
    if act == "sigmoid":
        return [f"subtract(1.0, V{li}, out=T{li})", f"multiply(T{li}, V{li}, out=T{li})",
                f"multiply(E{li}, T{li}, out=S{li})"]  # fmt: skip
    if act == "tanh":
        return [f"multiply(V{li}, V{li}, out=T{li})", f"subtract(1.0, T{li}, out=T{li})",
                f"multiply(E{li}, T{li}, out=S{li})"]  # fmt: skip
    if act == "relu":
        return [f"greater(Z{li}, 0.0, out=T{li})", f"multiply(E{li}, T{li}, out=S{li})"]
    if act == "leaky_relu":
        return [f"greater(Z{li}, 0.0, out=T{li})", f"multiply(T{li}, 1.0 - LEAKY, out=T{li})",
                f"add(T{li}, LEAKY, out=T{li})", f"multiply(E{li}, T{li}, out=S{li})"]  # fmt: skip
    if act == "identity":
        return [f"copyto(S{li}, E{li})"]
    # softmax Jacobian: s_i = v_i (e_i − Σ_j e_j v_j)
    each = "axis=0, keepdims=True" if columns else ""
    return [f"multiply(E{li}, V{li}, out=T{li})", f"subtract(E{li}, T{li}.sum({each}), out=T{li})",
            f"multiply(V{li}, T{li}, out=S{li})"]  # fmt: skip


def _numpy_update(li: int, masked: bool, form: str | None) -> list[str]:
    """Layer li's weights updated by numpy, one sample's s · vᵀ as the gradient: plain,
    w + (−rate · g); textbook momentum, Δw ← μ·Δw − rate·g, w ← w + Δw; PyTorch's,
    b ← μ·b + g, w ← w − rate·b. Frozen links keep their weight."""
    a = "X2[i]" if li == 1 else f"Ar{li - 1}"
    lines = [f"multiply(Sc{li}, {a}, out=G{li})"]  # s · v, every link of the layer
    if masked:
        lines.append(f"multiply(G{li}, M{li}, out=G{li})")
    return lines + _step(li, masked, form, "minus_rate")


def _step(li: int, masked: bool, form: str | None, minus_rate: str | None) -> list[str]:
    """Layer li's weights (and velocities) moved by the gradient G{li}, times
    ``minus_rate`` (None: G{li} is −rate · g already)."""
    scale = [] if minus_rate is None else [f"multiply(G{li}, {minus_rate}, out=G{li})"]
    if not form:
        return [*scale, f"add(W{li}, G{li}, out=W{li})"]
    lines = [f"multiply(U{li}, momentum, out=U{li})"]
    if form == "pytorch":
        lines += [f"add(U{li}, G{li}, out=U{li})", f"multiply(U{li}, {minus_rate}, out=G{li})"]
        if masked:
            lines.append(f"multiply(G{li}, M{li}, out=G{li})")
        return [*lines, f"add(W{li}, G{li}, out=W{li})"]
    lines += [*scale, f"add(U{li}, G{li}, out=U{li})"]
    if masked:  # frozen links keep their weight (and an old velocity)
        return [*lines, f"multiply(U{li}, M{li}, out=G{li})", f"add(W{li}, G{li}, out=W{li})"]
    return [*lines, f"add(W{li}, U{li}, out=W{li})"]


def _score(lay: Layout, L: int, y: str, columns: bool) -> list[str]:
    """The sample's (or batch's) loss into ``total`` and the output layer's sensitivities.

    As the loss computes it: ½Σ(value − target)², Σ(value − target)²/n; BCE (its mean)
    and cross-entropy from the nets where exact (Network.output_loss), else from the
    values clamped to [TINY, 1 − TINY]. Where the output's activation fuses with the
    loss, its sensitivity comes from the loss's formula and the errors (for writing
    back only) from the last sample.
    """
    n, loss = lay.sizes[L], lay.loss
    each = "axis=0, keepdims=True" if columns else ""
    lines: list[str] = []
    errors: list[str] = []
    if loss in ("half_sse", "mse"):
        lines.append(f"subtract(V{L}, {y}, out=E{L})")
        if loss == "half_sse":
            lines.append(f"total += 0.5 * float(vdot(E{L}, E{L}))")
        else:
            lines += [f"total += float(vdot(E{L}, E{L})) / {n}",
                      f"multiply(E{L}, {2.0 / n!r}, out=E{L})"]  # fmt: skip
    elif loss in ("bce", "bce_mean"):
        share = f" / {n}" if loss == "bce_mean" else ""
        if lay.exact:  # log(1 + eᶻ) − t·z, exact at any net
            lines += [f"absolute(Z{L}, out=T{L})", f"negative(T{L}, out=T{L})",
                      f"exp(T{L}, out=T{L})", f"log1p(T{L}, out=T{L})",
                      f"maximum(Z{L}, 0.0, out=C{L})", f"add(T{L}, C{L}, out=T{L})",
                      f"multiply({y}, Z{L}, out=C{L})", f"subtract(T{L}, C{L}, out=T{L})",
                      f"total += float(T{L}.sum()){share}"]  # fmt: skip
        else:  # the values clamped, as losses._bce
            lines += [f"clip(V{L}, TINY, 1.0 - TINY, out=C{L})", f"log(C{L}, out=T{L})",
                      f"part = -float(vdot({y}, T{L}))", f"subtract(1.0, C{L}, out=T{L})",
                      f"log(T{L}, out=T{L})", f"subtract(1.0, {y}, out=R{L})",
                      f"part -= float(vdot(R{L}, T{L}))", f"total += part{share}"]  # fmt: skip
        errors = [f"clip(V{L}, TINY, 1.0 - TINY, out=C{L})", f"subtract(C{L}, {y}, out=E{L})",
                  f"subtract(1.0, C{L}, out=T{L})", f"multiply(T{L}, C{L}, out=T{L})",
                  f"divide(E{L}, T{L}, out=E{L})"]  # fmt: skip
        if loss == "bce_mean":
            errors.append(f"divide(E{L}, {n}, out=E{L})")
    else:  # cross-entropy: terms with target 0 add nothing
        if lay.exact:  # −t · (z − log Σ eᶻ), shifted by the largest net
            lines += [f"top = Z{L}.max({each})", f"subtract(Z{L}, top, out=T{L})",
                      f"exp(T{L}, out=T{L})", f"lse = top + log(T{L}.sum({each}))",
                      f"subtract(Z{L}, lse, out=T{L})",
                      f"total -= float(vdot({y}, T{L}))"]  # fmt: skip
        else:  # c ≥ TINY
            lines += [f"maximum(V{L}, TINY, out=C{L})", f"log(C{L}, out=T{L})",
                      f"total -= float(vdot({y}, T{L}))"]  # fmt: skip
        errors = [f"maximum(V{L}, TINY, out=C{L})", f"divide({y}, C{L}, out=E{L})",
                  f"negative(E{L}, out=E{L})"]  # fmt: skip
    if not lay.fused:
        return lines + errors + _slope(lay.acts[L - 1], L, columns)
    lines += ["if last:", *("    " + line for line in errors)] if errors else []
    if loss == "cross_entropy":  # value · Σ targets − target, exact for any targets
        return [*lines, f"multiply(V{L}, {y}.sum({each}), out=S{L})",
                f"subtract(S{L}, {y}, out=S{L})"]  # fmt: skip
    lines.append(f"subtract(V{L}, {y}, out=S{L})")
    if loss == "bce_mean":
        lines.append(f"divide(S{L}, {n}, out=S{L})")
    return lines


def _batch_code(session: Session):
    """Generate ``batch(A0, Y, last, rate, factor, views, a0p) -> (loss, check, ‖S₁‖)``: one
    batch (‖S₁‖ is 0.0 where the check holds the blames into layer 0 themselves: see CHECKS).

    ``A0`` holds the batch's inputs, a row per sample (and a column of ones last), ``Y``
    its targets, a column per sample; the buffers come in ``views``
    (:meth:`Session._views`) for the batch's size, a column per sample (see
    :meth:`Session._buffers`), so that a layer's nets are ``Z = W · A`` with the layer
    before's values and ones in ``A``. Each weight moves by ``factor`` (−rate ÷
    divisor) times the batch's Σ s · vᵀ: for plain SGD with no frozen link, one BLAS
    dgemm a layer (``a0p``: where ``A0`` starts), else numpy's scale, product and add.
    """
    lay, o = session.layout, session.options
    L = len(lay.sizes) - 1
    W, U, G, M = session.W, session.U, session.G, session.M
    env: dict[str, object] = {
        "np": np, "exp": np.exp, "log": np.log, "negative": np.negative, "divide": np.divide,
        "add": np.add, "tanh": np.tanh, "maximum": np.maximum, "subtract": np.subtract,
        "multiply": np.multiply, "copyto": np.copyto, "greater": np.greater, "clip": np.clip,
        "matmul": np.matmul, "vdot": np.vdot, "dot": np.dot, "float": float, "TINY": TINY,
        "LEAKY": lay.leaky, "momentum": o.momentum, "old": session.old,
        "flat_w": session.flat_w, "log1p": np.log1p, "absolute": np.absolute,
        "sqrt": math.sqrt,
    }  # fmt: skip
    form = o.form if o.momentum else None  # SGD's momentum form, if any
    names = ["nets", "sens", "B0", "Zs", "Ss"]
    for li in range(1, L + 1):
        names += [f"{n}{li}" for n in ("Z", "V", "A", "E", "S", "R", "T", "C", "AT")]
        env[f"W{li}"], env[f"U{li}"], env[f"G{li}"] = W[li - 1], U[li - 1], G[li - 1]
        env[f"WT{li}"], env[f"WcT{li}"] = W[li - 1].T, W[li - 1][:, :-1].T
        if M is not None:
            env[f"M{li}"] = M[li - 1]
    body = ["total = 0.0", "minus_rate = -rate"]
    for li in range(1, L + 1):  # forward
        body.append(f"matmul(W{li}, {'A0.T' if li == 1 else f'A{li - 1}'}, out=Z{li})")
        body += _activation(lay.acts[li - 1], li, columns=True)
    body += _score(lay, L, "Y", columns=True)
    for li in range(L, 0, -1):  # backward
        if li < L:
            body += _slope(lay.acts[li - 1], li, columns=True)
        if li > 1:  # the blame flows back through the weights before any update
            body.append(f"matmul(WcT{li}, S{li}, out=E{li - 1})")
    if session._gemm():  # see CHECKS: the nets times their sensitivities, and ‖S₁‖
        body += ["check = float(dot(Zs, Ss))", "norm = sqrt(float(vdot(S1, S1)))"]
    else:  # and the blames into layer 0
        body += ["matmul(WT1, S1, out=B0)", "check = float(dot(nets, sens))", "norm = 0.0"]
    body += ["if last:", "    copyto(old, flat_w)"]
    if session._gemm():  # W ← W + factor · S Aᵀ, one call a layer
        integer = gemm[1]
        env.update(gemm=gemm[0], ORDER=ctypes.c_int(ROW_MAJOR), unit=ctypes.c_double(1.0))
        env.update(TRANS=ctypes.c_int(TRANS), NO_TRANS=ctypes.c_int(NO_TRANS))
        env["alpha"] = ctypes.c_double(0.0)
        names += ["kB", *(f"s{li}p" for li in range(1, L + 1)), *(f"a{li}p" for li in range(1, L))]
        body.append("alpha.value = factor")
        for li in range(1, L + 1):
            rows, cols = lay.shapes[li - 1]
            env[f"m{li}"], env[f"n{li}"] = integer(rows), integer(cols)
            env[f"w{li}"] = ctypes.c_void_p(W[li - 1].ctypes.data)
            # (the inputs are a row per sample, the layers' values a column per sample)
            a, trans, lda = (
                ("a0p", "NO_TRANS", f"n{li}") if li == 1 else (f"a{li - 1}p", "TRANS", "kB")
            )
            body.append(
                f"gemm(ORDER, NO_TRANS, {trans}, m{li}, n{li}, kB, alpha, s{li}p, kB, {a},"
                f" {lda}, unit, w{li}, n{li})"
            )
        return _define(body, names, env)
    for li in range(1, L + 1):  # factor · Σ s vᵀ, then the step as the reference takes it
        body += [f"multiply(S{li}, factor, out=R{li})",
                 f"matmul(R{li}, {'A0' if li == 1 else f'AT{li - 1}'}, out=G{li})"]  # fmt: skip
        if M is not None:
            body.append(f"multiply(G{li}, M{li}, out=G{li})")
        # (PyTorch's form: factor 1 ÷ divisor, the gradient; else −rate ÷ divisor)
        body += _step(li, M is not None, form, "minus_rate" if form == "pytorch" else None)
    return _define(body, names, env)


def _define(body: list[str], names: list[str], env: dict):
    """The batch function: ``body`` after unpacking ``names`` from the views."""
    head = [f"{', '.join(names)}, *_inputs = views"]
    code = ["def batch(A0, Y, last, rate, factor, views, a0p):"]
    code += ["    " + line for line in (*head, *body)]
    code.append("    return total, check, norm")
    exec("\n".join(code) + "\n", env)
    return env["batch"]
