"""What the audit tests share beyond fixtures: the users' password and a hospitals file to import."""

import csv
import io

from captcha.models import CaptchaStore

PASSWORD = "Correct-horse-42"
BROWSER = "Mozilla/5.0 (Windows NT 10.0) 测试浏览器"
HOSPITAL_HEADERS = ["医疗机构编码", "医疗机构名称", "地市", "区县", "医院等级", "所属统筹区", "省直属"]


def hospitals_csv(*rows: list) -> bytes:
    stream = io.StringIO()
    csv.writer(stream).writerows([HOSPITAL_HEADERS, *rows])
    return stream.getvalue().encode("utf-8-sig")


def post_login(client, username: str, password: str, ip: str = "10.20.30.40", **headers):
    """The real login form, its captcha (if the page has one) answered as a person reading the picture would."""
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    data = {"username": username, "password": password, "captcha_0": key, "captcha_1": answer}
    return client.post("/login/", data, REMOTE_ADDR=ip, HTTP_USER_AGENT=BROWSER, **headers)
