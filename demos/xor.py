"""A 2-2-1 sigmoid network learns XOR from a fixed seed."""

from lernpy import Network, datasets


def main() -> None:
    data = datasets.xor()
    net = Network.layered(2, 2, 1, activation="sigmoid", seed=1)
    print(net)

    def report(r):  # called after every epoch with its numbers; returning True would stop
        if r.epoch % 500 == 0:
            print(f"  epoch {r.epoch:>4}: loss {r.loss:.6f}")

    history = net.train(data, epochs=2000, rate=2.0, callback=report)
    print(history.stopped)
    for inputs, (target,) in data:
        (value,) = net(inputs)
        print(f"  {inputs[0]:g} xor {inputs[1]:g} = {value:.3f}  (target {target:g})")


if __name__ == "__main__":
    main()
