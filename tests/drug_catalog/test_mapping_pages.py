"""目录对照 pages (office, admin), the Excel export and the admin's catalog import page."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from core.roles import Role
from drug_catalog.models import CatalogItem, HospitalItem
from drug_catalog.services import hospital_item_approve, hospital_item_map, hospital_item_reject
from tests.drug_catalog.factories import HospitalItemFactory, make_catalog
from tests.factories import UserFactory
from tests.matrix import Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db
Status = HospitalItem.MappingStatus
AMOXICILLIN = "XJ01CAA040A00100000"
OFFICE = {Role.OFFICE, Role.ADMIN}


def _item_url(suffix=""):
    def url():
        item = HospitalItem.objects.first() or HospitalItemFactory()
        return f"/catalog/mapping/{item.pk}/{suffix}"

    url.__name__ = f"/catalog/mapping/<pk>/{suffix}"
    return url


PAGES = [
    Endpoint("GET", "/catalog/mapping/", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/catalog/mapping/?status=all&q=x", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/catalog/mapping/export.xlsx", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/catalog/mapping/national/?nq=amxl", allowed=OFFICE, kind="page"),
    Endpoint("GET", _item_url(), allowed=OFFICE, kind="page"),
    Endpoint("POST", _item_url("map/"), allowed=OFFICE, kind="page"),
    Endpoint("POST", _item_url("approve/"), allowed=OFFICE, kind="page"),
    Endpoint("POST", _item_url("reject/"), allowed=OFFICE, kind="page"),
    Endpoint("GET", "/catalog/import/", allowed={Role.ADMIN}, kind="page"),
    Endpoint("POST", "/catalog/import/", allowed={Role.ADMIN}, kind="page"),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(PAGES))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


def test_list_puts_the_office_work_first_and_shows_self_pay(client_for):
    make_catalog()
    office = UserFactory()
    done = HospitalItemFactory(medins_list_codg="A-DONE", name="已审核项目")
    hospital_item_map(actor=office, item=done, med_list_codg=AMOXICILLIN)
    hospital_item_approve(actor=office, item=done, begndate=datetime.date(2026, 1, 1))
    refused = HospitalItemFactory(medins_list_codg="B-REFUSED", name="被拒项目")
    hospital_item_map(actor=office, item=refused, med_list_codg=AMOXICILLIN)
    hospital_item_reject(actor=office, item=refused, reason="规格不一致")
    HospitalItemFactory(medins_list_codg="C-NEW", name="新项目")
    client = client_for(Role.OFFICE)

    todo = client.get("/catalog/mapping/").content.decode()
    assert "C-NEW" in todo and "B-REFUSED" in todo and "A-DONE" not in todo
    assert todo.index("C-NEW") < todo.index("B-REFUSED")  # unmapped, then rejected
    assert todo.count('<span class="badge danger">全自费</span>') == 2
    assert "规格不一致" in todo

    everything = client.get("/catalog/mapping/?status=all").content.decode()
    assert everything.index("C-NEW") < everything.index("B-REFUSED") < everything.index("A-DONE")
    assert "按目录支付" in everything and "2026-01-01 起" in everything

    found = client.get("/catalog/mapping/?status=all&q=被拒", HTTP_HX_REQUEST="true").content.decode()
    assert "B-REFUSED" in found and "C-NEW" not in found and "<html" not in found


def test_office_maps_approves_and_rejects_on_the_item_page(client_for):
    make_catalog()
    item = HospitalItemFactory(name="阿莫西林胶囊（院内）")
    client = client_for(Role.OFFICE)
    page = client.get(f"/catalog/mapping/{item.pk}/?nq=amxl").content.decode()
    assert "未对照，全自费" in page and f'value="{AMOXICILLIN}"' in page

    mapped = client.post(f"/catalog/mapping/{item.pk}/map/", {"med_list_codg": AMOXICILLIN}, follow=True)
    html = mapped.content.decode()
    assert f"已对照到 {AMOXICILLIN}，待中心审核" in html and "登记中心审核结果" in html
    item.refresh_from_db()
    assert item.mapping_status == Status.PENDING and item.fund_payable is False

    refused = client.post(f"/catalog/mapping/{item.pk}/reject/", {"reason": ""}, follow=True)
    assert "请填写拒绝原因" in refused.content.decode()

    approved = client.post(f"/catalog/mapping/{item.pk}/approve/", {"begndate": "2026-12-01"}, follow=True)
    html = approved.content.decode()
    assert "已登记中心审核通过，自 2026-12-01 起" in html and "医保按目录支付" in html
    item.refresh_from_db()
    assert item.mapping_status == Status.APPROVED and item.mapped_from == datetime.date(2026, 12, 1)
    assert "中心已审核" in html and "变更记录" in html

    again = client.post(f"/catalog/mapping/{item.pk}/approve/", {"begndate": "2026-12-01"}, follow=True)
    assert "不能改为" in again.content.decode()


def test_national_search_partial_finds_by_initials(client_for):
    make_catalog()
    html = client_for(Role.OFFICE).get("/catalog/mapping/national/?nq=ysejsg").content.decode()
    assert "盐酸二甲双胍缓释片" in html and 'type="radio"' in html
    none = client_for(Role.OFFICE).get("/catalog/mapping/national/?nq=zzzz").content.decode()
    assert "没有找到“zzzz”" in none


def test_export_lists_every_mapping_in_the_center_columns(client_for):
    make_catalog()
    mapper = UserFactory(first_name="王医保", last_name="")
    approved = HospitalItemFactory(medins_list_codg="H0001", name="阿莫西林胶囊（院内）")
    hospital_item_map(actor=mapper, item=approved, med_list_codg=AMOXICILLIN)
    hospital_item_approve(
        actor=mapper, item=approved, begndate=datetime.date(2026, 12, 1), enddate=datetime.date(2027, 12, 1)
    )
    HospitalItemFactory(medins_list_codg="H0002", name="院内制剂")
    response = client_for(Role.OFFICE).get("/catalog/mapping/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "medins_list_codg",
        "medins_list_name",
        "med_list_codg",
        "med_list_name",
        "status",
        "begndate",
        "enddate",
        "mapper",
    ]
    assert rows[1] == [
        "H0001",
        "阿莫西林胶囊（院内）",
        AMOXICILLIN,
        "阿莫西林胶囊",
        "中心已审核",
        datetime.datetime(2026, 12, 1),
        datetime.datetime(2027, 12, 1),
        "王医保",
    ]
    assert rows[2] == ["H0002", "院内制剂", None, None, "未对照", None, None, None]
    assert sheet["F2"].number_format == "yyyy-mm-dd"


IMPORT_FORM = {
    "region": "610000",
    "version_code": "SX2027",
    "version_name": "陕西 2027",
    "effective_from": "2027-01-01",
}
HEADER = "医保目录编码,名称,类别,医保类别,自付比例,支付标准,物价价格\n"


def _upload(content: bytes, name="catalog.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_import_page_lists_every_bad_row_in_chinese_and_imports_nothing(client_for):
    rows = [
        "X1,阿莫西林胶囊,西药,甲,,,",
        "X2,坏条目,西药,丁,,,",
        "X3,床位费,service,甲,,40,35",
        ",无编码,西药,甲,,,",
    ]
    content = (HEADER + "\n".join(rows) + "\n").encode()
    response = client_for(Role.ADMIN).post("/catalog/import/", {**IMPORT_FORM, "file": _upload(content)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "文件有 3 处错误，未导入任何数据" in html
    assert (
        '<td class="num">3</td><td>医保类别（chrgitm_lv）</td><td>医保类别应为 甲/乙/丙 或 A/B/C。</td>'
        in html
    )
    fee_1 = "医保支付标准高于物价核定价格（FEE-1）。"
    assert f'<td class="num">4</td><td>支付标准（pric_uplmt_amt）</td><td>{fee_1}</td>' in html
    assert '<td class="num">5</td><td>医保目录编码（med_list_codg）</td><td>必填。</td>' in html
    assert not CatalogItem.objects.exists()


def test_import_page_reports_counts_and_an_idempotent_reimport(client_for):
    workbook = Workbook()
    workbook.active.append(["医保目录编码", "名称", "类别", "医保类别"])
    workbook.active.append(["X1", "阿莫西林胶囊", "西药", "甲"])
    workbook.active.append(["X2", "布洛芬片", "西药", "乙"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for(Role.ADMIN)
    first = client.post("/catalog/import/", {**IMPORT_FORM, "file": _upload(buffer.getvalue(), "c.xlsx")})
    assert first.status_code == 200
    assert "已新建 陕西 2027（610000 SX2027）：新增 2 条，修改 0 条，未变化 0 条。" in first.content.decode()
    again = client.post("/catalog/import/", {**IMPORT_FORM, "file": _upload(buffer.getvalue(), "c.xlsx")})
    assert "与上次导入的文件完全相同" in again.content.decode() and "未做任何修改" in again.content.decode()
    assert CatalogItem.objects.count() == 2


def test_import_page_checks_its_own_fields(client_for):
    response = client_for(Role.ADMIN).post(
        "/catalog/import/",
        {"region": "61", "version_code": "", "version_name": "x", "effective_from": "tomorrow"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    for message in ("请选择要导入的文件", "目录区划应为 6 位数字", "必填。", "请填写生效日期"):
        assert message in html


def test_export_never_writes_a_formula(client_for):
    """Issue 19: a hospital item named "=HYPERLINK(…)" is exported as text, not as a live formula."""
    HospitalItemFactory(medins_list_codg="H0009", name='=HYPERLINK("http://evil.example","点击")')
    HospitalItemFactory(medins_list_codg="-H10", name="@SUM(1+1)")
    response = client_for(Role.OFFICE).get("/catalog/mapping/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    names = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert names == {"'-H10": "'@SUM(1+1)", "H0009": '\'=HYPERLINK("http://evil.example","点击")'}
