"""The web system's first page serves the presets in Chinese."""


def test_home_page_lists_the_rule_set_presets(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "集采结余留用管理系统" in page
    assert "山西省医疗机构医保资金考核方案" in page
