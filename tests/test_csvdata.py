"""CSV loading, its error messages, splitting and standardisation."""

import io
import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lernpy import datasets
from lernpy.data.csvdata import CSVError, Standardizer, read_csv, read_inputs, split, write_csv
from lernpy.errors import LernpyError


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_header_is_detected_and_words_in_the_target_become_one_hot(tmp_path):
    """A header row of names is read as names; a word target is one-hot with sorted classes."""
    path = write(tmp_path, "w,h,kind\n1.5,2,dog\n3,4,cat\n5,6,dog\n")
    data = read_csv(path)
    assert data.has_header
    assert data.input_names == ("w", "h")
    assert data.classes == ("cat", "dog")
    assert data.samples == [
        ((1.5, 2.0), (0.0, 1.0)),
        ((3.0, 4.0), (1.0, 0.0)),
        ((5.0, 6.0), (0.0, 1.0)),
    ]
    assert data.lines == [2, 3, 4]
    assert data.label((0.2, 0.8)) == "dog"


def test_a_file_of_numbers_has_no_header_and_numeric_columns_are_named_by_position(tmp_path):
    """Without a header every row is data, columns are col1..colN and the last is the target."""
    data = read_csv(write(tmp_path, "1,2,0.5\n3,4,0.25\n"))
    assert not data.has_header
    assert data.input_names == ("col1", "col2")
    assert data.target_names == ("col3",)
    assert data.classes is None
    assert data.samples == [((1.0, 2.0), (0.5,)), ((3.0, 4.0), (0.25,))]


def test_a_headerless_file_with_word_labels_is_not_mistaken_for_a_header(tmp_path):
    """A first row whose only word is in the label column is data, not a header."""
    data = read_csv(write(tmp_path, "5.1,3.5,setosa\n6.3,2.9,virginica\n"))
    assert not data.has_header
    assert len(data.samples) == 2


def test_targets_can_be_chosen_by_name_or_number_and_inputs_too(tmp_path):
    """target and inputs pick columns by name or 1-based number, several targets allowed."""
    path = write(tmp_path, "a,b,c,d\n1,2,3,4\n5,6,7,8\n")
    data = read_csv(path, target=["a", 3], inputs=["d"])
    assert data.input_names == ("d",)
    assert data.target_names == ("a", "c")
    assert data.samples == [((4.0,), (1.0, 3.0)), ((8.0,), (5.0, 7.0))]
    assert read_csv(path, target=-2).target_names == ("c",)


def test_numeric_labels_can_be_forced_to_classes_and_sort_numerically(tmp_path):
    """classes=True one-hot encodes number labels, ordered 2 < 10 (not "10" < "2")."""
    data = read_csv(write(tmp_path, "x,digit\n0.1,10\n0.2,2\n0.3,2\n"), classes=True)
    assert data.classes == ("2", "10")
    assert [t for _, t in data.samples] == [(0.0, 1.0), (1.0, 0.0), (1.0, 0.0)]


def test_a_given_class_order_is_kept_and_unknown_labels_are_named(tmp_path):
    """classes=[...] fixes the one-hot order; a label outside it names its line and column."""
    path = write(tmp_path, "x,kind\n1,b\n2,a\n")
    assert read_csv(path, classes=["b", "a"]).samples[1] == ((2.0,), (0.0, 1.0))
    with pytest.raises(CSVError) as info:
        read_csv(path, classes=["b", "c"])
    assert str(info.value) == (
        f"{path}, line 3, column 2 ('kind'): unknown class 'a': expected one of b, c"
    )


def test_comments_and_blank_lines_are_skipped_but_line_numbers_stay_true(tmp_path):
    """Lines starting with # and blank lines are ignored; errors still cite the real line."""
    path = write(tmp_path, "# a comment\n\nx,y\n1,2\n\n# more\noops,3\n")
    with pytest.raises(CSVError) as info:
        read_csv(path)
    assert (info.value.line, info.value.column) == (7, 1)
    assert "expected a number, got 'oops'" in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "{p}: is empty: expected a header or rows of numbers"),
        ("# only a comment\n\n", "{p}: is empty: expected a header or rows of numbers"),
        ("a,b\n", "{p}, line 1: has a header but no data rows"),
        ("a,b,c\n1,2,3\n4,5\n", "{p}, line 3: ragged row: 2 fields, expected 3 like the header"),
        ("1,2\n3,4,5\n", "{p}, line 2: ragged row: 3 fields, expected 2 like the first row"),
        ("a,b,c\n1,,3\n", "{p}, line 2, column 2 ('b'): missing value: expected a number"),
        ("a,b,c\n1,NA,3\n", "{p}, line 2, column 2 ('b'): missing value 'NA': expected a number"),
        ("a,b,c\n1,x7,3\n", "{p}, line 2, column 2 ('b'): expected a number, got 'x7'"),
        (
            "a,b,c\n1,inf,3\n",
            "{p}, line 2, column 2 ('b'): expected a finite number with a '.' decimal point, "
            "got 'inf'",
        ),
        ("a,b,c\n1,2,3\n4,5,\n", "{p}, line 3, column 3 ('c'): missing value: expected a number"),
        (
            "a,b,kind\n1,2,\n3,4,cat\n",
            "{p}, line 2, column 3 ('kind'): missing value: expected a class label",
        ),
        ("a,a,b\n1,2,3\n", "{p}, line 1, column 2: header names column 'a' twice"),
        ("a,,b\n1,2,3\n", "{p}, line 1, column 2: header has an empty column name"),
        ("5\n6\n", "{p}: no input columns left: the file needs at least two columns"),
    ],
)
def test_bad_files_raise_an_error_naming_file_line_and_column(tmp_path, text, message):
    """Each kind of broken file gets a CSVError (a LernpyError) with its exact place."""
    path = write(tmp_path, text)
    with pytest.raises(CSVError) as info:
        read_csv(path)
    assert isinstance(info.value, LernpyError)
    assert str(info.value) == message.format(p=path)


def test_an_unknown_target_column_lists_the_columns(tmp_path):
    """Choosing a column that does not exist names it and the real columns."""
    path = write(tmp_path, "a,b\n1,2\n")
    with pytest.raises(CSVError, match=r"line 1: unknown column 'z': the columns are a, b"):
        read_csv(path, target="z")
    with pytest.raises(CSVError, match="no column number 5: the file has 2 columns"):
        read_csv(path, target=5)


def test_a_missing_file_is_a_csv_error_not_an_os_error(tmp_path):
    """A file that does not exist raises CSVError naming it."""
    with pytest.raises(CSVError, match="nope.csv: no such file"):
        read_csv(tmp_path / "nope.csv")


def test_unreadable_files_are_csv_errors_and_a_bom_and_crlf_are_read(tmp_path):
    """A directory or non-UTF-8 bytes name the file; a BOM and CRLF line ends read as text."""
    with pytest.raises(CSVError, match=r"data: is a directory, not a CSV file"):
        read_csv(tmp_path.joinpath("data").mkdir() or tmp_path / "data")
    (tmp_path / "latin.csv").write_bytes("a,b\n1,\xe9\n".encode("latin-1"))
    with pytest.raises(CSVError, match=r"latin.csv: is not UTF-8 text \(invalid"):
        read_csv(tmp_path / "latin.csv")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfa,b\r\n1,2\r\n3,4\r\n")
    plain = read_csv(io.StringIO("a,b\n1,2\n3,4\n"), name=str(tmp_path / "bom.csv"))
    assert read_csv(tmp_path / "bom.csv") == plain


def test_file_objects_are_read_and_named_in_errors():
    """A text stream works, and errors use the name given for it."""
    with pytest.raises(CSVError, match="^stdin, line 2, column 1"):
        read_csv(io.StringIO("a,b\nx,1\n"), name="stdin")


def test_read_inputs_picks_the_networks_columns_by_name_in_any_order(tmp_path):
    """read_inputs takes the named columns, ignores others, and names missing ones."""
    path = write(tmp_path, "b,label,a\n2,x,1\n4,y,3\n")
    rows, lines = read_inputs(path, ["a", "b"])
    assert rows == [(1.0, 2.0), (3.0, 4.0)] and lines == [2, 3]
    with pytest.raises(CSVError, match="missing input column.*c"):
        read_inputs(path, ["a", "c"])


def test_written_csv_reads_back_exactly(tmp_path):
    """write_csv then read_csv gives the same samples, floats bit for bit."""
    data = datasets.stairs(n=30, seed=1, noise=0.3)
    names = datasets.describe("stairs")
    path = tmp_path / "stairs.csv"
    write_csv(path, data, names.input_names, names.target_names, classes=names.classes)
    back = read_csv(path, classes=list(names.classes))
    assert back.samples == data
    sine = datasets.sine(n=20, seed=2, noise=0.1)
    write_csv(tmp_path / "sine.csv", sine, ("x",), ("y",))
    assert read_csv(tmp_path / "sine.csv").samples == sine


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(finite, finite, finite), min_size=1, max_size=20))
def test_any_table_of_finite_floats_round_trips_through_csv(rows):
    """Hypothesis: CSV text written with repr reads back to the very same floats."""
    samples = [((a, b), (c,)) for a, b, c in rows]
    buffer = io.StringIO()
    write_csv(buffer, samples, ("a", "b"), ("c",))
    buffer.seek(0)
    assert read_csv(buffer, name="mem.csv").samples == samples


def test_split_is_seeded_disjoint_and_complete():
    """split keeps every sample exactly once, and the seed fixes which go where."""
    data = [((float(i),), (float(i % 2),)) for i in range(50)]
    train, test = split(data, test=0.2, seed=3)
    assert len(test) == 10 and len(train) == 40
    assert sorted(train + test) == sorted(data)
    assert split(data, test=0.2, seed=3) == (train, test)
    assert split(data, test=0.2, seed=4) != (train, test)


def test_stratified_split_keeps_each_class_share():
    """With stratify, each iris species is 10 of the 30 test flowers."""
    train, test = split(datasets.iris(), test=0.2, seed=0, stratify=True)
    for species in range(3):
        assert sum(1 for _, t in test if t[species] == 1.0) == 10
        assert sum(1 for _, t in train if t[species] == 1.0) == 40


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, True])
def test_split_rejects_a_test_fraction_outside_zero_and_one(bad):
    """The test fraction must be strictly between 0 and 1."""
    with pytest.raises(LernpyError, match="test must be a fraction"):
        split([((0.0,), (0.0,))] * 4, test=bad)


def test_standardizer_matches_statistics_module():
    """Means and standard deviations agree with statistics.fmean and pstdev."""
    data = datasets.iris()
    s = Standardizer.fit(data)
    for i in range(4):
        column = [x[i] for x, _ in data]
        assert s.mean[i] == pytest.approx(statistics.fmean(column), rel=1e-15)
        assert s.std[i] == pytest.approx(statistics.pstdev(column), rel=1e-12)
    scaled = s(data)
    for i in range(4):
        column = [x[i] for x, _ in scaled]
        assert statistics.fmean(column) == pytest.approx(0.0, abs=1e-12)
        assert statistics.pstdev(column) == pytest.approx(1.0, rel=1e-12)
    assert [t for _, t in scaled] == [t for _, t in data]


def test_standardizer_leaves_a_constant_column_unscaled():
    """A column with no spread is shifted to 0 and not divided by zero."""
    s = Standardizer.fit([((2.0, 1.0), ()), ((2.0, 3.0), ())])
    assert s.std[0] == 1.0
    assert s.inputs((2.0, 2.0)) == (0.0, 0.0)
    assert all(math.isfinite(v) for v in s.inputs((5.0, 9.0)))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(finite, finite, finite), min_size=1, max_size=20), st.data())
def test_write_csv_that_fails_halfway_leaves_the_old_file(tmp_path_factory, rows, data):
    """A sample that cannot be written, after good ones: the old file stays whole, no temp file."""
    folder = tmp_path_factory.mktemp("csv")
    path = folder / "data.csv"
    path.write_text("a,b,c\n1.0,2.0,3.0\n", encoding="utf-8")
    samples = [((a, b), (c,)) for a, b, c in rows]
    samples.insert(data.draw(st.integers(1, len(samples))), ((1.0,),))  # not a pair
    with pytest.raises(ValueError):
        write_csv(path, samples, ("a", "b"), ("c",))
    assert path.read_text(encoding="utf-8") == "a,b,c\n1.0,2.0,3.0\n"
    assert [p.name for p in folder.iterdir()] == ["data.csv"]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(finite, min_size=1, max_size=8),
    st.sampled_from(["inf", "-inf", "Infinity", "1e999", "-2e400"]),
    st.data(),
)
def test_an_infinite_target_is_an_error_not_a_class_label(values, bad, data):
    """A numeric target column with "inf" in it: a clear error naming it, not a one-hot column."""
    rows = [f"{i}.0,{v!r}" for i, v in enumerate(values)]
    at = data.draw(st.integers(0, len(rows)))
    rows.insert(at, f"9.0,{bad}")
    text = "x,y\n" + "\n".join(rows) + "\n"
    with pytest.raises(CSVError, match=f"line {at + 2}, column 2"):
        read_csv(io.StringIO(text), name="mem.csv")


@pytest.mark.parametrize(
    "first, column",
    [("1,?,0", 2), ("1,,0", 2), ("na,2,0", 1), ("1,2,NaN", 3), ("inf,2,0", 1), ("1,N/A,1", 2)],
)
def test_a_first_row_with_a_missing_or_odd_value_is_data_not_a_header(first, column):
    """1,?,0 became the header, dropping a sample; now its line is named as missing a number."""
    text = f"{first}\n1,2,1\n3,4,0\n"
    with pytest.raises(CSVError, match=f"line 1, column {column}"):
        read_csv(io.StringIO(text), name="x.csv")


def test_a_header_with_a_word_over_numbers_is_still_a_header():
    data = read_csv(io.StringIO("size,?,kind\n1,2,0\n3,4,1\n"), name="x.csv")
    assert data.input_names == ("size", "?") and len(data) == 2
