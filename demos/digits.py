"""Handwritten 8x8 digits: a 64-32-10 tanh/softmax network (needs scikit-learn: lernpy[digits])."""

from lernpy import Network, datasets
from lernpy.data.csvdata import split
from lernpy.errors import LernpyError
from lernpy.training.workflow import confusion_matrix, fit

SHADES = " .:-=+*#%@"  # pixel brightness 0 to 1, dark to bright


def show(pixels):
    for row in range(8):
        print(
            "    " + "".join(SHADES[min(9, int(p * 10))] * 2 for p in pixels[row * 8 : row * 8 + 8])
        )


def main() -> None:
    try:
        data = datasets.digits()  # 1797 images, pixels scaled to [0, 1], digit one-hot
    except LernpyError as error:
        print(f"skipped: {error}")
        return
    train, test = split(data, test=0.25, seed=0, stratify=True)
    print(f"{len(train)} images to learn from, {len(test)} held out; the first one:")
    show(train[0][0])

    net = Network.layered(
        64, 32, 10, activation="tanh", output="softmax", loss="cross_entropy", seed=0
    )
    print(net)

    def report(epoch):
        print(f"  epoch {epoch.epoch}: loss {epoch.train_loss:.4f}, "
              f"train {epoch.train_accuracy:.1%}, test {epoch.test_accuracy:.1%}")  # fmt: skip

    log = fit(net, train, test, epochs=10, rate=0.02, on_epoch=report)
    print(log.stopped)
    print(f"test accuracy {log.last.test_accuracy:.1%} on {len(test)} images")
    print("confusion on the test images (rows: true digit, columns: predicted)")
    print("   " + "".join(f"{d:>4}" for d in range(10)))
    for digit, row in enumerate(confusion_matrix(net, test)):
        print(f"{digit:>3}" + "".join(f"{n:>4}" for n in row))


if __name__ == "__main__":
    main()
