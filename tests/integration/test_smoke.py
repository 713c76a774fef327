def test_home_lists_active_municipalities_escaped(client, make_municipality):
    make_municipality(name="Aktivstadt<script>window.__xss=1</script>")
    make_municipality(name="Schlafdorf", is_active=False, xss=False)
    page = client.get("/").get_data(as_text=True)
    assert "Aktivstadt&lt;script&gt;" in page
    assert "<script>window.__xss" not in page
    assert "Schlafdorf" not in page


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
