"""Mazur's step-by-step backpropagation example, every number recomputed.

Matt Mazur, "A Step by Step Backpropagation Example" (2015): a 2-2-2 sigmoid
network, ½Σ(value − target)², rate 0.5, one sample. The article prints its
numbers to 9 significant digits; so do we.
"""

from lernpy import examples


def nine(x: float) -> str:
    """Nine decimal places, trailing zeros dropped, as the article prints them."""
    return f"{x:.9f}".rstrip("0")


def main() -> None:
    net = examples.mazur()
    sample = examples.MAZUR_SAMPLE
    run = net.scheduler(sample, rate=examples.MAZUR_RATE)

    print("Mazur's worked example: 2-2-2 sigmoid, inputs 0.05 0.10, targets 0.01 0.99, rate 0.5")
    print("\nThe forward pass")
    run.run(until="loss")
    for name in ("h1", "h2", "o1", "o2"):
        n = net[name]
        terms = " + ".join(f"{link.weight:g}·{link.source.value:g}" for link in n.incoming)
        print(f"  net_{name} = {terms} = {nine(n.net)}   out_{name} = {nine(n.value)}")

    scored = run.step()
    print("\nThe loss")
    print(f"  E_total = ½Σ(target − out)² = {nine(scored.loss)}")

    run.run(until="update")
    o1, h1, w5, w1 = net["o1"], net["h1"], net["w5"], net["w1"]
    print("\nThe backward pass: an output weight")
    print("  ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5")
    print(
        f"         = {nine(o1.error)} × {nine(o1.value * (1 - o1.value))} × {nine(h1.value)}"
        f" = {nine(w5.sensitivity)}"
    )
    print("\nThe backward pass: a hidden weight (the blame of both outputs comes back to h1)")
    blames = " + ".join(nine(link.blame) for link in h1.outgoing)
    print(f"  ∂E/∂out_h1 = {blames} = {nine(h1.error)}")
    print("  ∂E/∂w1 = ∂E/∂out_h1 · ∂out_h1/∂net_h1 · ∂net_h1/∂w1")
    print(
        f"         = {nine(h1.error)} × {nine(h1.value * (1 - h1.value))} × {w1.source.value:g}"
        f" = {nine(w1.sensitivity)}"
    )

    print("\nThe updates: w ← w − 0.5 · ∂E/∂w (the biases stay, as in the article)")
    for step in run.run(until="epoch"):
        print(
            f"  {step.link.label} ({step.link.name}): {step.old:g} − 0.5 × {nine(step.gradient)}"
            f" = {nine(step.new)}"
        )

    before = net.loss(*sample)
    history = net.train([sample], epochs=9_999, rate=examples.MAZUR_RATE)
    out = net.forward(sample[0])
    print(f"\nAfter one update the error falls to {nine(before)} (the article prints 0.291027924)")
    print(f"After 10,000 updates: E = {net.loss(*sample):.10f}")
    print(f"  outputs {nine(out[0])} and {nine(out[1])} (targets 0.01 and 0.99)")
    print(f"  the article's 0.0000351085 is E before the last update: {history.loss[-1]:.10f}")


if __name__ == "__main__":
    main()
