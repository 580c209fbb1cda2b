"""A convolutional network on 4×4 bars: one kernel weight's gradient as a sum, by hand.

A 4×4 image, two 2×2 kernels with zero padding 1 and tanh (two 5×5 maps), max
pooling over 2×2 windows one step apart (two 4×4 maps), two softmax outputs
(horizontal or vertical bar), cross-entropy, rate 0.1. Convolution as
PyTorch's conv2d computes it: a cross-correlation, the kernel is not flipped;
a window position on the padding has no link. Each kernel entry is one shared
weight with a link at every position where it falls on the image, so its
gradient is a sum over those links. Numbers to 9 decimal places; every one can
be checked by hand from the lines above it.
"""

from lernpy import Conv, Dense, Network, Pool, datasets
from lernpy.views.explain import num

RATE = 0.1


def paren(x: float) -> str:
    """A number inside a formula: negative ones in brackets."""
    return f"({num(x)})" if x < 0 else num(x)


def grid(rows: list[list[float]], width: int = 13) -> list[str]:
    return ["  " + "".join(f"{num(v):>{width}}" for v in row) for row in rows]


def plane(net: Network, name: str, size: int, what: str = "value") -> list[str]:
    """A map of neurons ``name[r,c]`` as rows of numbers."""
    rows = range(1, size + 1)
    return grid([[getattr(net[f"{name}[{r},{c}]"], what) for c in rows] for r in rows])


def main() -> None:
    net = Network.convolutional(
        (1, 4, 4),
        Conv(2, kernel=2, padding=1, activation="tanh"),
        Pool("max", 2, stride=1),
        Dense(2, "softmax"),
        loss="cross_entropy",
        seed=0,
    )
    train, test = datasets.bars(200, seed=1), datasets.bars(200, seed=2)
    x, t = train[0]
    print("A 4×4 image, two 2×2 kernels (padding 1, tanh), max pooling 2×2 step 1, softmax;")
    print(f"rate {RATE}: {net!r}")
    print(f"\nThe image x1[r,c] (sample 0 of datasets.bars(200, seed=1)); target {t}: vertical")
    print("\n".join(grid([list(x[r * 4 : r * 4 + 4]) for r in range(4)])))
    k = [net[f"k{n}"].weight for n in range(1, 5)]
    print("\nKernel 1, shared weights k1 k2 / k3 k4, and its bias kb1")
    print("\n".join(grid([k[:2], k[2:]])))
    print(f"  kb1 = {num(net['kb1'].weight)}")

    run = net.scheduler((x, t), rate=RATE)
    run.run(until="loss")
    print("\nThe forward pass: channel 1 of the convolution, c1[r,c] for r, c = 1…5; the")
    print("window of c1[r,c] covers x1 rows r−1, r and columns c−1, c (row 0 and 5: padding)")
    for name in ("c1[1,1]", "c1[2,2]"):
        c = net[name]
        terms = " + ".join(f"{link.shared.name}·{link.source.name}" for link in c.incoming)
        values = " + ".join(
            f"{paren(link.weight)}·{paren(link.source.value)}" for link in c.incoming
        )
        print(f"  net_{name} = {terms}")
        print(f"              = {values} = {num(c.net)}")
    print("  (only k4 reaches the image from c1[1,1]: its other entries fall on the padding)")
    print("The values out_c1[r,c] = tanh(net), the same kernel at every position")
    print("\n".join(plane(net, "c1", 5)))
    print("Max pooling: p1[r,c] is the largest of c1 rows r, r+1 and columns c, c+1")
    print("\n".join(plane(net, "p1", 4)))
    print("  from (each window's winner)")
    for r in range(1, 5):
        winners = [net[f"p1[{r},{c}]"].winner.source.name for c in range(1, 5)]
        print("  " + "".join(f"{w:>13}" for w in winners))
    y1, y2 = net["y1"], net["y2"]
    print(f"Outputs (softmax): y1 = {num(y1.value)}, y2 = {num(y2.value)}")
    scored = run.step()
    print(f"Loss E = −Σ target·log(out) = −log(out_y2) = {num(scored.loss)}")

    run.run(until="update")
    print("\nThe backward pass")
    print(
        f"  ∂E/∂net_y1 = out − target = {num(y1.sensitivity)};  ∂E/∂net_y2 = {num(y2.sensitivity)}"
    )
    print("  ∂E/∂net_p1[r,c] (max pooling's slope is 1), each sent back to its winner only")
    print("\n".join(plane(net, "p1", 4, "sensitivity")))
    print("  ∂E/∂net_c1[r,c] = (the blame of the windows it won) × tanh′; 0 where it won none")
    print("\n".join(plane(net, "c1", 5, "sensitivity")))

    k1 = net["k1"]
    print(f"\nThe sum: k1 is used by {len(k1)} links (25 positions, 9 of them on the padding);")
    print("∂E/∂k1 adds their contributions")
    print("  ∂E/∂k1 = Σ_r,c ∂E/∂net_c1[r,c] × x1[r−1,c−1]")
    for link in k1.links:
        target, source = link.target, link.source
        print(
            f"    {source.name} → {target.name}: {num(target.sensitivity):>13} × "
            f"{num(source.value):<12} = {num(link.sensitivity)}"
        )
    terms = [paren(link.sensitivity) for link in k1.links]
    print(f"         = {' + '.join(terms[:8])}")
    print(f"           + {' + '.join(terms[8:])}")
    print(f"         = {num(k1.sensitivity)}")
    numeric = net.gradcheck((x, t))["k1"].numeric  # moves all 16 links
    print(f"  a central difference (gradcheck), all 16 links moved by ±1e-6: {num(numeric)}")
    update = next(s for s in run.run() if s.kind == "Updated" and s.link is k1)
    step = f"{paren(update.old)} − {RATE} × {paren(update.gradient)} = {num(update.new)}"
    print(f"  one update moves all 16 links: k1 ← {step}")

    history = net.train(train, epochs=30, rate=RATE)
    right = sum((out := net(xs)).index(max(out)) == ts.index(max(ts)) for xs, ts in test)
    loss = num(history.loss[-1])
    print(f"\nTraining: 30 epochs on 200 images ({history.engine} engine), last loss {loss}")
    print(f"  test accuracy on 200 unseen images: {right}/200 = {right / 2:.1f}%")
    print("  the learned kernels (rows of k1 k2 / k3 k4, then k5 k6 / k7 k8)")
    k = [net[f"k{n}"].weight for n in range(1, 9)]
    print("\n".join(grid([k[:2], k[2:4], k[4:6], k[6:]])))


if __name__ == "__main__":
    main()
