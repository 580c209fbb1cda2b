"""Two spirals, 1.5 turns each: a 2-16-16-1 tanh network untangles them (sigmoid output, BCE)."""

from lernpy import Network, datasets
from lernpy.training.workflow import fit


def picture(net, data, size=21):
    """The plane from -1 to 1 as text: the network's answer everywhere, the samples on top."""
    cells = {}
    for (x, y), (label,) in data:
        col, row = round((x + 1) / 2 * (size - 1)), round((1 - y) / 2 * (size - 1))
        cells[row, col] = "o" if label == 0.0 else "x"
    lines = []
    for row in range(size):
        line = []
        for col in range(size):
            x, y = -1 + 2 * col / (size - 1), 1 - 2 * row / (size - 1)
            ground = "-" if net([x, y])[0] < 0.5 else "+"
            line.append(cells.get((row, col), ground))
        lines.append(" ".join(line))
    return "\n".join(lines)


def main() -> None:
    data = datasets.spirals(n=200, seed=0, turns=1.5)  # 100 points on each arm
    net = Network.layered(2, 16, 16, 1, activation="tanh", output="sigmoid", loss="bce", seed=1)
    print(net)

    def report(epoch):
        if epoch.epoch % 50 == 0:
            print(f"  epoch {epoch.epoch:>3}: loss {epoch.train_loss:.4f}, "
                  f"accuracy {epoch.train_accuracy:.0%}")  # fmt: skip

    log = fit(net, data, epochs=600, rate=0.05, target_loss=0.02, on_epoch=report)
    print(log.stopped)
    print(f"train accuracy {log.last.train_accuracy:.1%} on {len(data)} points")
    print("arm 0: o on -, arm 1: x on + (what the network says at each spot)")
    print(picture(net, data))


if __name__ == "__main__":
    main()
