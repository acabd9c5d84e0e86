import pytest
from django.core.management import CommandError, call_command

from visits.models import Visit

pytestmark = pytest.mark.django_db
CSV = "start_date,visitor,visitor_country,host_country,source_url,status\n"


def test_import_visits_rejects_bad_file_then_imports_fixed_one(countries, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text(CSV + "2001-02-30,A,PRK,CHN,https://x.example,published\n2001,B,PRK,CHN,,\n")
    with pytest.raises(CommandError, match="1 invalid rows; nothing was written"):
        call_command("import_visits", str(path))
    assert "row 2, column start_date: '2001-02-30' is not a real date" in capsys.readouterr().err
    assert Visit.objects.count() == 0
    path.write_text(CSV + "2001-02-28,A,PRK,CHN,https://x.example,published\n2001,B,PRK,CHN,,\n")
    call_command("import_visits", str(path), "--dry-run")
    assert "Dry run: 2 created" in capsys.readouterr().out
    call_command("import_visits", str(path))
    assert "2 created, 0 updated, 0 unchanged, 0 invalid" in capsys.readouterr().out
    call_command("import_visits", str(path))
    assert "0 created, 0 updated, 2 unchanged, 0 invalid" in capsys.readouterr().out


def test_import_visits_skip_invalid(countries, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text(CSV + "2001,A,PRK,ZZZ,,\n2001,B,PRK,CHN,,\n")
    call_command("import_visits", str(path), "--skip-invalid")
    out = capsys.readouterr()
    assert "row 2, column host_country: unknown country 'ZZZ'" in out.err
    assert "1 created, 0 updated, 0 unchanged, 1 invalid" in out.out


def test_export_visits_filters_by_pair_and_status(countries, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text(
        CSV + "2001,A,PRK,CHN,https://x.example,published\n2002,B,USA,CHN,,\n"
        "2003,C,CHN,PRK,,draft\n"
    )
    call_command("import_visits", str(path))
    capsys.readouterr()
    call_command("export_visits", "--pair", "CHN,PRK", "--status", "published")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("2001,,A,,PRK,CHN,unknown,")
    out = tmp_path / "out.csv"
    call_command("export_visits", "-o", str(out))
    assert len(out.read_text().splitlines()) == 4
    with pytest.raises(CommandError, match="two alpha-3 codes"):
        call_command("export_visits", "--pair", "CHN")


def test_import_visits_as_a_user_with_their_permissions(countries, tmp_path, capsys):
    from tests.factories import user_in

    researcher = user_in("Researchers")
    path = tmp_path / "v.csv"
    path.write_text(CSV + "2001,A,PRK,CHN,https://x.example,published\n")
    with pytest.raises(CommandError, match="1 invalid rows; nothing was written"):
        call_command("import_visits", str(path), "--user", "researchers")
    assert "row 2, column status: you may not create a published visit" in capsys.readouterr().err
    path.write_text(CSV + "2001,A,PRK,CHN,https://x.example,draft\n")
    call_command("import_visits", str(path), "--user", "researchers")
    visit = Visit.objects.get()
    assert (visit.created_by, visit.history.get().history_user) == (researcher, researcher)
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        call_command("import_visits", str(path), "--user", "nobody")


def test_import_visits_prints_changes_and_replaces_sources_only_when_asked(
    countries, tmp_path, capsys
):
    path = tmp_path / "v.csv"
    path.write_text(CSV + "2001,A,PRK,CHN,https://x.example,published\n")
    call_command("import_visits", str(path))
    path.write_text(CSV + "2001,A,PRK,CHN,https://y.example,published\n")
    call_command("import_visits", str(path), "--dry-run")
    assert "row 2: source_url: (empty) → + https://y.example" in capsys.readouterr().out
    call_command("import_visits", str(path), "--replace-sources")
    assert [s.url for s in Visit.objects.get().sources.all()] == ["https://y.example"]


def test_import_visits_busy_is_a_clear_error(countries, tmp_path, monkeypatch):
    from visits.management.commands import import_visits
    from visits.services import ImportBusy

    def busy(*args, **kwargs):
        raise ImportBusy("another write is in progress; try again when it is done")

    monkeypatch.setattr(import_visits, "import_rows", busy)
    path = tmp_path / "v.csv"
    path.write_text(CSV + "2001,A,PRK,CHN,,\n")
    with pytest.raises(CommandError, match="another write is in progress"):
        call_command("import_visits", str(path))
