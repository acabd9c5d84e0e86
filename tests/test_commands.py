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
