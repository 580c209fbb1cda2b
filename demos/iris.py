"""Fisher's iris flowers: a 4-8-3 tanh network, softmax output, cross-entropy loss."""

from lernpy import Network, datasets
from lernpy.data.csvdata import Standardizer, split
from lernpy.training.workflow import confusion_matrix, fit

SPECIES = datasets.CLASSES["iris"]


def main() -> None:
    data = datasets.iris()  # 150 flowers, 4 measurements in cm, species one-hot
    train, test = split(data, test=0.2, seed=0, stratify=True)  # 120 to learn from, 30 held out
    scale = Standardizer.fit(train)  # mean 0, sd 1, from the training flowers only
    print("means (cm):", " ".join(f"{m:.3f}" for m in scale.mean))
    train, test = scale(train), scale(test)

    net = Network.layered(
        4, 8, 3, activation="tanh", output="softmax", loss="cross_entropy", seed=0
    )
    print(net)

    def report(epoch):
        if epoch.epoch % 5 == 0:
            print(
                f"  epoch {epoch.epoch:>2}: loss {epoch.train_loss:.4f}, "
                f"train {epoch.train_accuracy:.1%}, test {epoch.test_accuracy:.1%}"
            )

    log = fit(net, train, test, epochs=25, rate=0.02, on_epoch=report)
    print(log.stopped)
    print(f"test accuracy {log.last.test_accuracy:.1%} on {len(test)} flowers")

    print("confusion on the test flowers (rows: true species, columns: predicted)")
    width = max(map(len, SPECIES))
    print(" " * width, *(f"{s[:10]:>10}" for s in SPECIES))
    for species, row in zip(SPECIES, confusion_matrix(net, test), strict=True):
        print(f"{species:<{width}}", *(f"{n:>10}" for n in row))


if __name__ == "__main__":
    main()
