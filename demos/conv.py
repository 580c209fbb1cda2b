"""A convolutional network on 4×4 bars: one kernel weight's gradient as a sum, by hand.

A 4×4 image, two 2×2 kernels with tanh, max pooling over 2×2 windows one step
apart, two softmax outputs (horizontal or vertical bar), cross-entropy, rate
0.1. Convolution as PyTorch's conv2d computes it: a cross-correlation, the
kernel is not flipped. Each kernel entry is one shared weight used by nine
links, one per position, so its gradient is a sum of nine terms. Numbers to 9
decimal places; every one can be checked by hand from the lines above it.
"""

from lernpy import Conv, Dense, Network, Pool, datasets
from lernpy.views.explain import num

RATE = 0.1


def paren(x: float) -> str:
    """A number inside a formula: negative ones in brackets."""
    return f"({num(x)})" if x < 0 else num(x)


def grid(rows: list[list[float]], width: int = 13) -> list[str]:
    return ["  " + "".join(f"{num(v):>{width}}" for v in row) for row in rows]


def main() -> None:
    net = Network.convolutional(
        (1, 4, 4),
        Conv(2, kernel=2, activation="tanh"),
        Pool("max", 2, stride=1),
        Dense(2, "softmax"),
        loss="cross_entropy",
        seed=0,
    )
    train, test = datasets.bars(200, seed=1), datasets.bars(200, seed=2)
    x, t = train[0]
    print("A 4×4 image, two 2×2 kernels (tanh), max pooling 2×2 step 1, softmax; rate 0.1")
    print(f"{net!r}")
    print(f"\nThe image x1[r,c] (sample 0 of datasets.bars(200, seed=1)); target {t}: vertical")
    print("\n".join(grid([list(x[r * 4 : r * 4 + 4]) for r in range(4)])))
    k = [net[f"k{n}"].weight for n in range(1, 5)]
    print("\nKernel 1, shared weights k1 k2 / k3 k4, and its bias kb1")
    print("\n".join(grid([k[:2], k[2:]])))
    print(f"  kb1 = {num(net['kb1'].weight)}")

    run = net.scheduler((x, t), rate=RATE)
    run.run(until="loss")
    c11 = net["c1[1,1]"]
    print("\nThe forward pass: channel 1 of the convolution at row 1, column 1")
    terms = " + ".join(f"{paren(link.weight)}·{paren(link.source.value)}" for link in c11.incoming)
    print("  net_c1[1,1] = k1·x1[1,1] + k2·x1[1,2] + k3·x1[2,1] + k4·x1[2,2] + kb1·1")
    print(f"              = {terms} = {num(c11.net)}")
    print(f"  out_c1[1,1] = tanh(net) = {num(c11.value)}")
    print("The values of channel 1, out_c1[r,c] (the same kernel at every position)")
    print("\n".join(grid([[net[f"c1[{r},{c}]"].value for c in (1, 2, 3)] for r in (1, 2, 3)])))
    print("Max pooling: each p1[r,c] is the largest of a 2×2 window of channel 1")
    for r in (1, 2):
        for c in (1, 2):
            p = net[f"p1[{r},{c}]"]
            print(f"  p1[{r},{c}] = {num(p.value):>12}  from {p.winner.source.name}")
    y1, y2 = net["y1"], net["y2"]
    print(f"Outputs (softmax): y1 = {num(y1.value)}, y2 = {num(y2.value)}")
    scored = run.step()
    print(f"Loss E = −Σ target·log(out) = −log(out_y2) = {num(scored.loss)}")

    run.run(until="update")
    print("\nThe backward pass")
    print(
        f"  ∂E/∂net_y1 = out − target = {num(y1.sensitivity)};  ∂E/∂net_y2 = {num(y2.sensitivity)}"
    )
    print("  each pool neuron's ∂E/∂net (its error, as max pooling's slope is 1)")
    for r in (1, 2):
        for c in (1, 2):
            p = net[f"p1[{r},{c}]"]
            print(f"    p1[{r},{c}]: {num(p.sensitivity):>13}  back to {p.winner.source.name} only")
    print("  ∂E/∂net_c1[r,c] = (blame from the windows it won) × tanh′: 0 where it won none")
    print(
        "\n".join(grid([[net[f"c1[{r},{c}]"].sensitivity for c in (1, 2, 3)] for r in (1, 2, 3)]))
    )

    k1 = net["k1"]
    print("\nThe sum: k1 is used by 9 links, one per position; ∂E/∂k1 adds their contributions")
    print("  ∂E/∂k1 = Σ_r,c ∂E/∂net_c1[r,c] × x1[r,c]")
    for link in k1.links:
        target, source = link.target, link.source
        print(
            f"    {source.name} → {target.name}: {num(target.sensitivity):>13} × "
            f"{num(source.value):<12} = {num(link.sensitivity)}"
        )
    print(f"         = {' + '.join(paren(link.sensitivity) for link in k1.links)}")
    print(f"         = {num(k1.sensitivity)}")
    numeric = net.gradcheck((x, t))["k1"].numeric  # moves all 9 links
    print(f"  a central difference (gradcheck), all 9 links moved by ±1e-6: {num(numeric)}")
    update = next(s for s in run.run() if s.kind == "Updated" and s.link is k1)
    step = f"{paren(update.old)} − {RATE} × {paren(update.gradient)} = {num(update.new)}"
    print(f"  one update moves all 9 links: k1 ← {step}")

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
