"""An Elman network learns the parity of bits: backpropagation through time, one weight's sum.

h(t) = tanh(b + W·h(t−1) + U·x(t)), y(t) = σ(c + V·h(t)), h(0) = 0 (Goodfellow,
Bengio and Courville, Deep Learning, §10.2): 1 input, 4 hidden, 1 output,
unrolled over 4 steps; at each step the target is the parity of the bits so
far; ½Σ(value − target)², rate 1. Each weight is shared across time, so the
recurrent weight W[1,1] is used by three links (t1→t2, t2→t3, t3→t4) and its
gradient is the sum of their three contributions. Numbers to 9 decimal places.
"""

from lernpy import Network, datasets
from lernpy.views.explain import num

RATE = 1.0
STEPS = 4


def paren(x: float) -> str:
    """A number inside a formula: negative ones in brackets."""
    return f"({num(x)})" if x < 0 else num(x)


def row(values: list[float], width: int = 13) -> str:
    return "".join(f"{num(v):>{width}}" for v in values)


def main() -> None:
    net = Network.recurrent(1, 4, 1, steps=STEPS, seed=0)
    train = datasets.parity(200, steps=STEPS, seed=1)
    test = datasets.parity(200, steps=STEPS, seed=2)
    x, t = train[3]
    print("An Elman network, 1 input, 4 hidden (tanh), 1 output (sigmoid), unrolled 4 steps")
    print(f"{net!r}")
    print(f"\nThe sequence: bits {[int(b) for b in x]}, parity so far {[int(b) for b in t]}")
    print("The weights, shared across time (rows j, columns i)")
    H = range(1, 5)
    print("  U[j,1]  " + row([net[f"U[{j},1]"].weight for j in H]))
    for j in H:
        print(f"  W[{j},·]  " + row([net[f"W[{j},{i}]"].weight for i in H]))
    print("  b[j]    " + row([net[f"b[{j}]"].weight for j in H]))
    print("  V[1,j]  " + row([net[f"V[1,{j}]"].weight for j in H]))
    print(f"  c[1]    {num(net['c[1]'].weight):>13}")

    run = net.scheduler((x, t), rate=RATE)
    run.run(until="loss")
    h12 = net["h1@t2"]
    print("\nThe forward pass, step by step (h(0) = 0)")
    terms = " + ".join(f"{paren(link.weight)}·{paren(link.source.value)}" for link in h12.incoming)
    print("  net_h1@t2 = U[1,1]·x1@t2 + W[1,1]·h1@t1 + W[1,2]·h2@t1 + W[1,3]·h3@t1")
    print("              + W[1,4]·h4@t1 + b[1]·1")
    print(f"            = {terms}")
    print(f"            = {num(h12.net)};  out_h1@t2 = tanh(net) = {num(h12.value)}")
    print("   step    x         h1@t         h2@t         h3@t         h4@t         y@t  target")
    for step in range(1, STEPS + 1):
        hs = [net[f"h{j}@t{step}"].value for j in H]
        y = net[f"y1@t{step}"]
        print(
            f"   t{step}  {int(x[step - 1]):>3} {row(hs)} {num(y.value):>12}  {int(t[step - 1]):>5}"
        )
    scored = run.step()
    print(f"Loss E = ½Σ_t (y@t − target)² = {num(scored.loss)}")

    run.run(until="update")
    print("\nBackpropagation through time: the blame flows back to h1 step by step,")
    print("from the output of its own step and from the four hidden neurons of the next")
    for step in range(STEPS, 0, -1):
        h = net[f"h1@t{step}"]
        from_y = h.outgoing[0].blame  # h1@t → y1@t
        later = [link for link in h.outgoing if link.target.name.startswith("h")]
        print(f"  h1@t{step}: ∂E/∂out = V[1,1]·∂E/∂net_y1@t{step}", end="")
        if later:
            from_h = later[0].blame
            for link in later[1:]:
                from_h += link.blame
            print(f" + Σ_j W[j,1]·∂E/∂net_hj@t{step + 1}")
            print(f"                 = {paren(from_y)} + {paren(from_h)} = {num(h.error)}")
        else:
            print(f" = {num(h.error)}")
        print(
            f"          ∂E/∂net = ∂E/∂out × (1 − out²) = {paren(h.error)} × (1 − {paren(h.value)}²)"
            f" = {num(h.sensitivity)}"
        )

    w11 = net["W[1,1]"]
    print("\nThe sum: W[1,1] is used by 3 links, one per step; ∂E/∂W[1,1] adds their contributions")
    print("  ∂E/∂W[1,1] = Σ_t ∂E/∂net_h1@t × out_h1@t−1")
    for link in w11.links:
        target, source = link.target, link.source
        print(
            f"    {source.name} → {target.name}: {num(target.sensitivity):>13} × "
            f"{num(source.value):<12} = {num(link.sensitivity)}"
        )
    print(f"           = {' + '.join(paren(link.sensitivity) for link in w11.links)}")
    print(f"           = {num(w11.sensitivity)}")
    numeric = net.gradcheck((x, t))["W[1,1]"].numeric  # moves all 3 links
    print(f"  a central difference (gradcheck), all 3 links moved by ±1e-6: {num(numeric)}")
    update = next(s for s in run.run() if s.kind == "Updated" and s.link is w11)
    step_text = f"{paren(update.old)} − {num(RATE)} × {paren(update.gradient)}"
    print(f"  one update moves all 3 links: W[1,1] ← {step_text} = {num(update.new)}")

    cut = Network.recurrent(1, 4, 1, steps=STEPS, truncate=2, seed=0)
    cut.scheduler((x, t), rate=RATE).run(until="update")
    terms = " + ".join(paren(link.sensitivity) for link in cut["W[1,1]"].links)
    print("\nTruncated BPTT (truncate=2): no blame crosses from t3 back to t2, so ∂E/∂net_h1@t2")
    print("hears only y1@t2, and the first term (the link h1@t1 → h1@t2) changes")
    print(f"  ∂E/∂W[1,1] = {terms} = {num(cut['W[1,1]'].sensitivity)}")

    history = net.train(train, epochs=100, rate=RATE)
    right = whole = 0
    for xs, ts in test:
        hits = [round(v) == target for v, target in zip(net(xs), ts)]
        right += sum(hits)
        whole += all(hits)
    loss = num(history.loss[-1])
    print(f"\nTraining: 100 epochs on 200 sequences ({history.engine} engine), last loss {loss}")
    print(f"  on 200 unseen sequences: {right}/800 steps = {right / 8:.1f}% right,")
    print(f"  {whole}/200 whole sequences = {whole / 2:.1f}%")


if __name__ == "__main__":
    main()
