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
from collections.abc import Sequence
from itertools import chain

import numpy as np

from lernpy.engines import blas
from lernpy.engines.base import Checkpoint, Options, assign, builtin, velocity_of
from lernpy.engines.blas import ROW_MAJOR, dger
from lernpy.graph.link import DetachedLink
from lernpy.graph.losses import BCE, BCE_MEAN, CROSS_ENTROPY, HALF_SSE, MSE, TINY
from lernpy.graph.network import Network

NAME = "numpy"
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


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _key(net: Network) -> tuple:
    return (
        net.version,
        bytes(link.frozen for link in net.links),
        tuple(id(n.activation) for n in net.neurons),
        tuple(n.value for n in net.biases),
        id(net.loss_function),
    )


def _analysis(net: Network) -> tuple[str | None, Layout | None]:
    """Why not (or None) and the layout, cached per topology."""
    key = _key(net)
    cached = _cache.get(net)
    if cached is None or cached[0] != key:
        reason = _why_not(net)
        cached = (key, reason, Layout(net) if reason is None else None)
        _cache[net] = cached
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
    """Estimated seconds per sample, fitted on a 2-core x86 machine.

    About 20 µs of numpy calls per sample or batch plus 9 µs per layer, shared
    by the samples of a batch, and 4 ns per link of arithmetic.
    """
    layers = len(net.layers) - 1
    return (20e-6 + 9e-6 * layers) / options.batch_size + 4e-9 * len(net.links)


class Layout:
    """Where each link lives: layer, row and column of the weight matrices."""

    def __init__(self, net: Network) -> None:
        layers = net.layers
        self.sizes = [len(layer) for layer in layers]
        self.acts = [_layer_activation(layer) for layer in layers[1:]]
        self.loss = _loss_name(net)
        self.fused = net.fused(layers[-1][0])
        self.exact = net.exact_loss()  # the loss from the nets, as Network.output_loss does
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
        trainable = np.zeros(offsets[-1], dtype=bool)
        trainable[flat[[not link.frozen for link in net.links]]] = True
        self.mask = None if trainable.all() else trainable.astype(np.float64)
        # neuron indices (in net.neurons) of each layer, for writing back
        index = {id(n): k for k, n in enumerate(net.neurons)}
        self.neuron_index = [[index[id(n)] for n in layer] for layer in layers]

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of one flat array as the layers' matrices."""
        return [
            flat[self.offsets[li] : self.offsets[li + 1]].reshape(shape)
            for li, shape in enumerate(self.shapes)
        ]


class Session:
    """Training state of the numpy engine between epochs."""

    name = NAME

    def __init__(self, net: Network, samples: list, options: Options) -> None:
        self.net, self.options = net, options
        lay = _analysis(net)[1]
        assert lay is not None, "the numpy engine was chosen for a network it cannot train"
        self.layout = lay
        links = net.links
        size = int(lay.offsets[-1])
        self.flat_w = np.zeros(size)
        self.flat_w[lay.flat] = [link.weight for link in links]
        self.flat_u = np.zeros(size)
        self.flat_u[lay.flat] = [velocity_of(link, options) for link in links]
        # PyTorch's momentum form: b ← μ·b + g, w ← w − rate·b (else the textbook's Δw)
        self.pytorch = options.momentum != 0.0 and options.form == "pytorch"
        self.W = lay.split(self.flat_w)
        self.U = lay.split(self.flat_u)
        self.G = [np.zeros(shape) for shape in lay.shapes]
        self.M = None if lay.mask is None else lay.split(lay.mask)
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
        self.T1 = self.T[:, None, :]
        self.buffers: dict[int, dict] = {}
        self.last: tuple | None = None
        self.old: np.ndarray | None = None
        self.stepped = False
        self.online = lay.loss == "half_sse" and all(
            act in ("sigmoid", "tanh", "relu", "identity") for act in lay.acts
        )
        self.frozen = np.array([link.frozen for link in links], dtype=bool)
        self.check = 0.0  # the last epoch's sum of checks (see _check)

    def _buffers(self, B: int) -> dict:
        if B not in self.buffers:
            lay = self.layout
            A = [np.ones((B, n + 1)) for n in lay.sizes[:-1]] + [np.empty((B, lay.sizes[-1]))]
            self.buffers[B] = {
                "A": A,
                "V": [a[:, :n] for a, n in zip(A, lay.sizes)],
                "Z": [np.empty((B, n)) for n in lay.sizes],
                "E": [np.empty((B, n)) for n in lay.sizes],
                "S": [np.empty((B, n)) for n in lay.sizes],
                "R": [np.empty((B, n)) for n in lay.sizes],
                "tmp": [np.empty((B, n)) for n in lay.sizes],
            }
        return self.buffers[B]

    # -- the maths of one batch ------------------------------------------------

    def _forward(self, A0: np.ndarray, b: dict) -> None:
        lay = self.layout
        A, V, Z = b["A"], b["V"], b["Z"]
        prev = A0
        for li in range(1, len(lay.sizes)):
            z, v, act = Z[li], V[li], lay.acts[li - 1]
            np.matmul(prev, self.W[li - 1].T, out=z)
            if act == "sigmoid":
                t = b["tmp"][li]
                np.negative(z, out=t)
                np.exp(t, out=t)
                t += 1.0
                np.divide(1.0, t, out=v)
            elif act == "tanh":
                np.tanh(z, out=v)
            elif act == "identity":
                np.copyto(v, z)
            elif act == "relu":
                np.maximum(z, 0.0, out=v)
            elif act == "leaky_relu":
                np.copyto(v, np.where(z > 0.0, z, lay.leaky * z))
            else:  # softmax, shifted by each row's largest net
                t = b["tmp"][li]
                np.subtract(z, z.max(axis=1, keepdims=True), out=t)
                np.exp(t, out=t)
                np.divide(t, t.sum(axis=1, keepdims=True), out=v)
            prev = A[li]

    def _loss(self, T: np.ndarray, b: dict) -> float:
        """The batch's summed loss; sets the output errors ∂E/∂value."""
        lay = self.layout
        L = len(lay.sizes) - 1
        v, e = b["V"][L], b["E"][L]
        if lay.loss == "half_sse":
            np.subtract(v, T, out=e)
            flat = e.reshape(-1)
            return 0.5 * float(np.dot(flat, flat))
        if lay.loss == "mse":
            n = lay.sizes[L]
            np.subtract(v, T, out=e)
            total = float(np.einsum("ij,ij->", e, e)) / n
            e *= 2.0 / n
            return total
        z, n = b["Z"][L], lay.sizes[L]
        if lay.loss in ("bce", "bce_mean"):
            c = np.clip(v, TINY, 1.0 - TINY)
            if lay.exact:  # from the nets: log(1 + eᶻ) − t·z, exact at any net
                terms = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - T * z
                total = float(np.sum(terms))
            else:
                total = -float(np.sum(T * np.log(c) + (1.0 - T) * np.log(1.0 - c)))
            np.divide(c - T, c * (1.0 - c), out=e)
            if lay.loss == "bce_mean":
                e /= n
                total /= n
            return total
        # cross-entropy: terms with target 0 add nothing
        c = np.maximum(v, TINY)
        if lay.exact:  # from the nets: −t · (z − log Σ eᶻ), shifted by the largest net
            top = z.max(axis=1, keepdims=True)
            lse = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))
            total = -float(np.sum(np.where(T != 0.0, T * (z - lse), 0.0)))
        else:
            total = -float(np.sum(np.where(T != 0.0, T * np.log(c), 0.0)))
        np.divide(-T, c, out=e)
        return total

    def _sense(self, li: int, T: np.ndarray, b: dict) -> None:
        """Layer li's sensitivity ∂E/∂net from its error (or value − target when fused)."""
        lay = self.layout
        act = lay.acts[li - 1]
        v, z, e, s, t = b["V"][li], b["Z"][li], b["E"][li], b["S"][li], b["tmp"][li]
        if li == len(lay.sizes) - 1 and lay.fused:
            if lay.loss == "cross_entropy":  # value · Σ targets − target, exact for any targets
                np.multiply(v, T.sum(axis=1, keepdims=True), out=s)
                s -= T
            else:
                np.subtract(v, T, out=s)
                if lay.loss == "bce_mean":
                    s /= lay.sizes[li]
        elif act == "sigmoid":
            np.subtract(1.0, v, out=t)
            t *= v
            np.multiply(e, t, out=s)
        elif act == "tanh":
            np.multiply(v, v, out=t)
            np.subtract(1.0, t, out=t)
            np.multiply(e, t, out=s)
        elif act == "identity":
            np.copyto(s, e)
        elif act == "relu":
            np.multiply(e, z > 0.0, out=s)
        elif act == "leaky_relu":
            np.multiply(e, np.where(z > 0.0, 1.0, lay.leaky), out=s)
        else:  # softmax Jacobian: s_i = v_i (e_i − Σ_j e_j v_j)
            np.multiply(e, v, out=t)
            np.subtract(e, t.sum(axis=1, keepdims=True), out=t)
            np.multiply(v, t, out=s)

    def _batch(self, A0: np.ndarray, T: np.ndarray, B: int, last: bool) -> float:
        lay, o = self.layout, self.options
        b = self._buffers(B)
        self._forward(A0, b)
        loss = self._loss(T, b)
        L = len(lay.sizes) - 1
        S, E, A = b["S"], b["E"], b["A"]
        for li in range(L, 0, -1):
            self._sense(li, T, b)
            if li > 1:  # the blame flows back through the weights before any update
                np.matmul(S[li], self.W[li - 1][:, :-1], out=E[li - 1])
        self.check += self._check(b["Z"], S, L)
        if last:
            self.last, self.stepped = (A0, T, b, B), True
            self.old = self.flat_w.copy()
        # PyTorch's momentum gathers the gradient itself; the other forms −rate times it
        factor = 1.0 / o.divisor(B) if self.pytorch else -o.rate / o.divisor(B)
        for li in range(1, L + 1):
            r, g = b["R"][li], self.G[li - 1]
            np.multiply(S[li], factor, out=r)
            np.matmul(r.T, A0 if li == 1 else A[li - 1], out=g)
            if self.M is not None:
                g *= self.M[li - 1]
            if self.pytorch:  # b ← μ·b + g, w ← w − rate·b
                u = self.U[li - 1]
                u *= o.momentum
                u += g
                np.multiply(u, -o.rate, out=g)
                if self.M is not None:  # frozen links keep their weight
                    g *= self.M[li - 1]
                self.W[li - 1] += g
            elif o.momentum:
                u = self.U[li - 1]
                u *= o.momentum
                u += g
                if self.M is not None:  # frozen links keep their weight
                    np.multiply(u, self.M[li - 1], out=g)
                    self.W[li - 1] += g
                else:
                    self.W[li - 1] += u
            else:
                self.W[li - 1] += g
        return loss

    def _check(self, Z: list, S: list, L: int) -> float:
        """A sum that is not finite if any net, sensitivity or blame to an input is not.

        The reference stops on each of them; most reach the weights or the loss, but
        a net of inf under tanh or sigmoid does not (value 1, slope 0), nor does the
        blame a link sends to an input or bias neuron (w · s, summed by nothing).
        A net times its sensitivity is NaN or infinite if either is; an overflow of
        finite numbers only sends the epoch to the reference, which judges it exactly.
        """
        total = float(np.matmul(S[1], self.W[0]).sum())
        for li in range(1, L + 1):
            total += float(np.dot(Z[li].ravel(), S[li].ravel()))
        return total

    # -- the engine interface ----------------------------------------------------

    def checkpoint(self, epoch: int, order: Sequence[int], rng: tuple) -> Checkpoint:
        velocities = self._velocities()
        kind = self.options.kind
        return Checkpoint(epoch, self.weights_array(), velocities, tuple(order), rng, kind)

    def _velocities(self) -> np.ndarray | None:
        """Per link, the momentum's velocity (None without momentum: states are left alone)."""
        if not self.options.momentum:
            return None
        return self.flat_u[self.layout.flat]

    def weights_array(self) -> np.ndarray:
        return self.flat_w[self.layout.flat]

    def epoch(self, order: list[int]) -> float:
        """Train one epoch in ``order``; return the sum of the sample losses."""
        bs, N = self.options.batch_size, len(order)
        total = 0.0
        self.check = 0.0  # see _check
        with np.errstate(all="ignore"):  # non-finite results are caught after the epoch
            if bs == 1 and self.online and len(order) > 1 and self._straight() is not None:
                # all samples but the last in generated straight-line code; the last
                # one through _online, which also keeps what write_back needs
                total, self.check = self._straight()(order[:-1])
                total += self._online(order[-1:])
            elif bs == 1 and self.online:
                total = self._online(order)
            elif bs == 1:
                X1, T1, last = self.X1, self.T1, order[-1]
                for i in order[:-1]:
                    total += self._batch(X1[i], T1[i], 1, False)
                total += self._batch(X1[last], T1[last], 1, True)
            else:
                in_order = order == list(range(N))  # then each batch is a view, not a copy
                X, T = self.X, self.T
                for start in range(0, N, bs):
                    if in_order:
                        xs, ts = X[start : start + bs], T[start : start + bs]
                    else:
                        idx = order[start : start + bs]
                        xs, ts = X[idx], T[idx]
                    total += self._batch(xs, ts, len(xs), start + bs >= N)
        return total

    def _straight(self):
        """The per-sample loop as generated straight-line code for this layout (or None).

        Only where every layer takes the one-pass BLAS update and no link is frozen:
        then a sample is a fixed list of numpy calls, written out once, without
        the loops and tests of :meth:`_online`.
        """
        if hasattr(self, "_straight_fn"):
            return self._straight_fn
        self._straight_fn = None
        lay, o = self.layout, self.options
        if (
            blas.raw is None
            or self.M is not None
            or self.pytorch
            or any(w.size < BLAS_MIN for w in self.W)
        ):
            return None
        b = self._buffers(1)
        L = len(lay.sizes) - 1
        integer, ptr = blas.integer_type, ctypes.c_void_p
        x_rows = [ptr(self.X.ctypes.data + i * self.X.strides[0]) for i in range(len(self.X))]
        env: dict[str, object] = {
            "np": np, "dot": np.dot, "exp": np.exp, "negative": np.negative,
            "divide": np.divide, "add": np.add, "tanh": np.tanh, "maximum": np.maximum,
            "subtract": np.subtract, "multiply": np.multiply, "copyto": np.copyto,
            "dger": blas.raw, "R": ctypes.c_int(ROW_MAJOR), "X": self.X, "Y": self.T,
            "xp": x_rows, "one": integer(1), "alpha": ctypes.c_double(-o.rate),
            "momentum": o.momentum,
        }  # fmt: skip
        for li in range(1, L + 1):
            env[f"W{li}"], env[f"U{li}"] = self.W[li - 1], self.U[li - 1]
            env[f"Wc{li}"] = self.W[li - 1][:, :-1]
            env[f"Z{li}"], env[f"V{li}"] = b["Z"][li][0], b["V"][li][0]
            env[f"A{li}"], env[f"E{li}"] = b["A"][li][0], b["E"][li][0]
            env[f"S{li}"], env[f"T{li}"] = b["S"][li][0], b["tmp"][li][0]
            env[f"s{li}"] = ptr(b["S"][li].ctypes.data)
            env[f"a{li}"] = ptr(b["A"][li].ctypes.data)
            env[f"w{li}"] = ptr((self.U if o.momentum else self.W)[li - 1].ctypes.data)
            rows, cols = lay.shapes[li - 1]
            env[f"r{li}"], env[f"c{li}"] = integer(rows), integer(cols)
        code = ["def straight(order):", "    total = check = 0.0", "    for i in order:"]
        body = []
        for li in range(1, L + 1):
            body.append(f"dot(W{li}, {'X[i]' if li == 1 else f'A{li - 1}'}, out=Z{li})")
            act = lay.acts[li - 1]
            if act == "sigmoid":
                body += [
                    f"negative(Z{li}, out=T{li})",
                    f"exp(T{li}, out=T{li})",
                    f"add(T{li}, 1.0, out=T{li})",
                    f"divide(1.0, T{li}, out=V{li})",
                ]
            elif act == "tanh":
                body.append(f"tanh(Z{li}, out=V{li})")
            elif act == "relu":
                body.append(f"maximum(Z{li}, 0.0, out=V{li})")
            else:
                body.append(f"copyto(V{li}, Z{li})")
        body += [f"subtract(V{L}, Y[i], out=E{L})", f"total += 0.5 * float(dot(E{L}, E{L}))"]
        for li in range(L, 0, -1):
            act = lay.acts[li - 1]
            if act == "sigmoid":
                body += [f"subtract(1.0, V{li}, out=T{li})", f"multiply(T{li}, V{li}, out=T{li})",
                         f"multiply(E{li}, T{li}, out=S{li})"]  # fmt: skip
            elif act == "tanh":
                body += [f"multiply(V{li}, V{li}, out=T{li})", f"subtract(1.0, T{li}, out=T{li})",
                         f"multiply(E{li}, T{li}, out=S{li})"]  # fmt: skip
            elif act == "relu":
                body.append(f"multiply(E{li}, Z{li} > 0.0, out=S{li})")
            else:
                body.append(f"copyto(S{li}, E{li})")
            if li > 1:  # the blame, through the weights before any update
                body.append(f"dot(S{li}, Wc{li}, out=E{li - 1})")
        body.append("check += float(dot(S1, W1).sum())")  # see _check
        body += [f"check += float(dot(Z{li}, S{li}))" for li in range(1, L + 1)]
        for li in range(1, L + 1):
            a = "xp[i]" if li == 1 else f"a{li - 1}"
            if o.momentum:
                body.append(f"multiply(U{li}, momentum, out=U{li})")
            body.append(f"dger(R, r{li}, c{li}, alpha, s{li}, one, {a}, one, w{li}, c{li})")
            if o.momentum:
                body.append(f"add(W{li}, U{li}, out=W{li})")
        code += ["        " + line for line in body]
        code.append("    return total, check")
        # (every buffer is updated in place through out=: the function binds no array)
        exec("\n".join(code) + "\n", env)
        self._straight_fn = env["straight"]
        return self._straight_fn

    def _online(self, order: list[int]) -> float:
        """One sample at a time with 1-D vectors: the fewest numpy calls per sample.

        For the common case (elementwise activations, ½Σ(value − target)²). Each
        update is w + (−rate · (s · v)), the reference's own arithmetic.
        """
        lay, o = self.layout, self.options
        b = self._buffers(1)
        L = len(lay.sizes) - 1
        Z, V, A = [z[0] for z in b["Z"]], [v[0] for v in b["V"]], [a[0] for a in b["A"]]
        E, S, T = [e[0] for e in b["E"]], [s[0] for s in b["S"]], [t[0] for t in b["tmp"]]
        s_col = [s[0][:, None] for s in b["S"]]
        a_row = b["A"]  # (1, n + 1) rows of the hidden layers' values and the bias 1.0
        W, G, U, M = self.W, self.G, self.U, self.M
        W_cut = [w[:, :-1] for w in W]
        acts = [None, *lay.acts]
        X, X2, Y = self.X, self.X1, self.T
        rate, momentum, minus_rate, pytorch = o.rate, o.momentum, -o.rate, self.pytorch
        dot, multiply, subtract, exp = np.dot, np.multiply, np.subtract, np.exp
        layers = range(1, L + 1)
        backward = range(L, 0, -1)
        last = len(order) - 1
        total = check = 0.0
        # BLAS rank-1 updates for the big matrices (frozen links need the explicit mask)
        blas = [False] + [dger is not None and M is None and w.size >= BLAS_MIN for w in W]
        shapes = [None, *lay.shapes]
        s_ptr = [s.ctypes.data for s in S]
        a_ptr = [0] + [a.ctypes.data for a in A[1:]]
        target_ptr = [0] + [(U if momentum else W)[li - 1].ctypes.data for li in layers]
        x_ptr, x_row = X.ctypes.data, X.strides[0]
        for p, i in enumerate(order):
            a = X[i]
            for li in layers:
                z, v, act = Z[li], V[li], acts[li]
                dot(W[li - 1], a, out=z)
                if act == "sigmoid":
                    t = T[li]
                    np.negative(z, out=t)
                    exp(t, out=t)
                    t += 1.0
                    np.divide(1.0, t, out=v)
                elif act == "tanh":
                    np.tanh(z, out=v)
                elif act == "relu":
                    np.maximum(z, 0.0, out=v)
                else:
                    np.copyto(v, z)
                a = A[li]
            e = E[L]
            subtract(V[L], Y[i], out=e)
            total += 0.5 * float(dot(e, e))
            for li in backward:
                v, e, s, t, act = V[li], E[li], S[li], T[li], acts[li]
                if act == "sigmoid":
                    subtract(1.0, v, out=t)
                    t *= v
                    multiply(e, t, out=s)
                elif act == "tanh":
                    multiply(v, v, out=t)
                    subtract(1.0, t, out=t)
                    multiply(e, t, out=s)
                elif act == "relu":
                    multiply(e, Z[li] > 0.0, out=s)
                else:
                    np.copyto(s, e)
                if li > 1:  # the blame flows back through the weights before any update
                    dot(s, W_cut[li - 1], out=E[li - 1])
            check += float(dot(S[1], W[0]).sum())  # see _check
            for li in layers:
                check += float(dot(Z[li], S[li]))
            if p == last:
                self.last, self.stepped = (X2[i], Y[i : i + 1], b, 1), True
                self.old = self.flat_w.copy()
            for li in layers:
                if blas[li] and p != last and not pytorch:
                    rows, cols = shapes[li]
                    a_at = x_ptr + i * x_row if li == 1 else a_ptr[li - 1]
                    if momentum:  # u ← momentum · u − rate · s vᵀ, then w ← w + u
                        U[li - 1] *= momentum
                    dger(ROW_MAJOR, rows, cols, minus_rate, s_ptr[li], 1, a_at, 1,
                         target_ptr[li], cols)  # fmt: skip
                    if momentum:
                        W[li - 1] += U[li - 1]
                    continue
                g = G[li - 1]
                multiply(s_col[li], X2[i] if li == 1 else a_row[li - 1], out=g)  # s · v
                if M is not None:
                    g *= M[li - 1]
                if pytorch:  # b ← μ·b + g, w ← w − rate·b
                    u = U[li - 1]
                    u *= momentum
                    u += g
                    multiply(u, minus_rate, out=g)
                    if M is not None:  # frozen links keep their weight
                        g *= M[li - 1]
                    W[li - 1] += g
                elif momentum:
                    u = U[li - 1]
                    u *= momentum
                    g *= rate
                    u -= g
                    if M is not None:  # frozen links keep their weight (and an old velocity)
                        multiply(u, M[li - 1], out=g)
                        W[li - 1] += g
                    else:
                        W[li - 1] += u
                else:
                    g *= minus_rate
                    W[li - 1] += g
        self.check += check
        return total

    def finite(self) -> bool:
        return math.isfinite(self.check) and bool(np.isfinite(self.flat_w).all())

    def write_back(self) -> None:
        """Leave the network's objects as the reference would have."""
        net, lay = self.net, self.layout
        weights = self.flat_w[lay.flat].tolist()
        if self.last is None:  # no epoch ran: only the weights are ours
            for link, w in zip(net.links, weights):
                link.weight = w
            return
        A0, T, b, _B = self.last
        neurons = net.neurons
        for li in range(1, len(lay.sizes)):
            rows = zip(b["Z"][li][-1].tolist(), b["V"][li][-1].tolist(),
                       b["E"][li][-1].tolist(), b["S"][li][-1].tolist())  # fmt: skip
            for k, (n, v, e, s) in zip(lay.neuron_index[li], rows):
                neuron = neurons[k]
                neuron.net, neuron.value, neuron.error, neuron.sensitivity = n, v, e, s
        for neuron, v in zip(net.inputs, A0[-1, : lay.sizes[0]].tolist()):
            neuron.value = v
        for neuron, t in zip(net.outputs, T[-1].tolist()):
            neuron.target = t
        # each link's numbers from the last sample, with the weights it ran with:
        # value = weight · source value, ∂E/∂w = target sensitivity · source value,
        # blame = weight · target sensitivity
        old = lay.split(self.old)
        values, sensitivities, blames = [], [], []
        for li in range(1, len(lay.sizes)):
            a = (A0 if li == 1 else b["A"][li - 1])[-1][None, :]
            s = b["S"][li][-1][:, None]
            values.append((old[li - 1] * a).ravel())
            sensitivities.append((s * a).ravel())
            blames.append((old[li - 1] * s).ravel())
        flat = lay.flat
        velocities = self._velocities()
        assign(
            net.links, weights, None if velocities is None else velocities.tolist(),
            np.concatenate(values)[flat].tolist(), np.concatenate(sensitivities)[flat].tolist(),
            np.concatenate(blames)[flat].tolist(), self.options,
        )  # fmt: skip
        self.last = None

    def weights_list(self) -> list[float]:
        return self.flat_w[self.layout.flat].tolist()
