//! The office's own lists (issue 30, items 2 and 3): a messy list (`tests/fixtures/
//! messy-customers.csv`) imports with its 公司 and 负责人; export → edit → import updates the
//! customers it finds by number (按电话更新); every import is listed and can be undone — what it
//! created goes, what it updated returns — except customers someone worked on since.

use crate::common;
use crate::customers_api::import_with as import;

use common::{TestServer, assert_error};
use serde_json::{Value, json};

const MESSY: &[u8] = include_bytes!("../fixtures/messy-customers.csv");
const MESSY_XLSX: &[u8] = include_bytes!("../fixtures/messy-customers.xlsx");

/// Every customer by name: (company, phone, level, followStatus, ownerId, notes).
async fn customers(server: &TestServer) -> Vec<Value> {
    let (_, body) = server
        .get("/api/v1/customers?pageSize=100", &server.admin_token)
        .await;
    let mut all: Vec<Value> = body["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            json!([
                c["name"],
                c["company"],
                c["phone"],
                c["level"],
                c["followStatus"],
                c["ownerId"],
                c["notes"]
            ])
        })
        .collect();
    all.sort_by_key(|c| c[0].as_str().unwrap().to_string());
    all
}

/// A user whose real name is `real_name`.
async fn person(server: &TestServer, username: &str, real_name: &str) -> common::TestUser {
    let user = server.create_user(username, "sales_staff", "一部").await;
    let (s, b) = server
        .put(
            &format!("/api/v1/users/{}", user.id),
            &server.admin_token,
            json!({"realName": real_name}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    user
}

/// The people the messy lists name as 负责人: 李销售 (by name), sales_b (by username), and two
/// 王芳 (a shared name); returns the first two.
async fn the_lists_people(server: &TestServer) -> (common::TestUser, common::TestUser) {
    let li = person(server, "lixs", "李销售").await;
    let b = person(server, "sales_b", "包销售").await;
    person(server, "wangfang1", "王芳").await;
    person(server, "wangfang2", "王芳").await;
    (li, b)
}

fn reasons(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e["row"], e["reason"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_messy_list_imports_with_company_and_owners_and_is_undone() {
    let server = TestServer::start().await;
    let (li, b) = the_lists_people(&server).await;
    // a customer the office already has: the list's 王五 is the same number
    let (s, old) = server
        .post(
            "/api/v1/customers",
            &server.admin_token,
            json!({"name": "老王五", "phone": "13900139003", "level": "vip", "notes": "老客户"}),
        )
        .await;
    assert_eq!(s, 200, "{old}");
    let before_import = customers(&server).await;

    let (s, first) = import(
        &server,
        &server.admin_token,
        "?fileName=华东.csv",
        MESSY.to_vec(),
    )
    .await;
    assert_eq!(s, 200, "{first}");
    let d = &first["data"];
    assert_eq!(
        (&d["total"], &d["imported"], &d["updated"]),
        (&json!(7), &json!(4), &json!(0)),
        "{d}"
    );
    assert_eq!(d["ignoredColumns"], json!(["序号", "微信"]));
    assert_eq!(
        reasons(&d["errors"]),
        [
            "7:号码已存在（客户：老王五）",
            "10:文件中号码重复",
            "12:缺少客户姓名"
        ]
    );
    assert_eq!(
        reasons(&d["unmapped"]),
        ["9:负责人“王芳”有同名的多人，未分配"]
    );
    let all = customers(&server).await;
    let row = |name: &str| all.iter().find(|c| c[0] == name).cloned().unwrap();
    assert_eq!(
        row("张三"),
        json!([
            "张三",
            "华东贸易有限公司",
            "13800138001",
            "important",
            "interested",
            li.id,
            "展会认识"
        ])
    );
    assert_eq!(row("李四")[5], json!(b.id), "by username");
    assert_eq!(row("李四")[4], json!("contacted"), "再联系");
    assert_eq!(row("赵六")[2], json!("13900139004"), "the trunk 0 dropped");
    assert_eq!(row("钱七")[2], json!("02165529988"));
    assert_eq!(row("老王五"), before_import[0], "skip leaves it as it was");

    // the same file again, updating by number: 王五's row now changes 老王五, who nobody named
    // 不存在的人 owns (reported), the others say nothing new
    let (s, second) = import(
        &server,
        &server.admin_token,
        "?mode=update&fileName=华东.csv",
        MESSY.to_vec(),
    )
    .await;
    assert_eq!(s, 200, "{second}");
    let d = &second["data"];
    assert_eq!(
        (&d["imported"], &d["updated"], &d["unchanged"]),
        (&json!(0), &json!(1), &json!(4)),
        "{d}"
    );
    assert_eq!(
        reasons(&d["unmapped"]),
        [
            "7:负责人无法识别: 不存在的人（未分配）",
            "9:负责人“王芳”有同名的多人，未分配"
        ]
    );
    let updated = customers(&server).await;
    let wang = updated.iter().find(|c| c[2] == "13900139003").unwrap();
    assert_eq!(
        wang,
        &json!([
            "王五",
            "苏州电子",
            "13900139003",
            "normal",
            "new",
            old["data"]["ownerId"],
            "老客户"
        ]),
        "the row's filled cells; its empty 备注 keeps the notes"
    );

    // someone works on 李四 after the first import: the undo keeps them
    let lisi = server
        .get("/api/v1/customers?keyword=李四", &server.admin_token)
        .await
        .1["data"]["records"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = server
        .put(
            &format!("/api/v1/customers/{lisi}"),
            &server.admin_token,
            json!({"notes": "已电话沟通"}),
        )
        .await;
    assert_eq!(s, 200);

    // the imports are listed, newest first
    let (s, list) = server
        .get("/api/v1/customers/imports", &server.admin_token)
        .await;
    assert_eq!(s, 200, "{list}");
    let listed: Vec<Value> = list["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            json!([
                r["fileName"],
                r["mode"],
                r["created"],
                r["updated"],
                r["canUndo"]
            ])
        })
        .collect();
    assert_eq!(
        listed,
        [
            json!(["华东.csv", "update", 0, 1, true]),
            json!(["华东.csv", "skip", 4, 0, true])
        ]
    );
    let second_id = second["data"]["importId"].as_str().unwrap();
    let first_id = first["data"]["importId"].as_str().unwrap();

    // undo the update: 老王五 is back as it was
    let (s, undone) = server
        .post(
            &format!("/api/v1/customers/imports/{second_id}/undo"),
            &server.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{undone}");
    assert_eq!(
        (&undone["data"]["restored"], &undone["data"]["removed"]),
        (&json!(1), &json!(0))
    );
    let back = customers(&server).await;
    assert!(back.contains(&before_import[0]), "{back:?}");

    // undo the first: what it created goes, except 李四 (edited since), named with why
    let (s, undone) = server
        .post(
            &format!("/api/v1/customers/imports/{first_id}/undo"),
            &server.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{undone}");
    let d = &undone["data"];
    assert_eq!(
        (&d["removed"], &d["restored"], &d["keptCount"]),
        (&json!(3), &json!(0), &json!(1)),
        "{d}"
    );
    assert_eq!(d["kept"][0]["name"], "李四");
    let left: Vec<Value> = customers(&server)
        .await
        .iter()
        .map(|c| c[0].clone())
        .collect();
    assert_eq!(left, [json!("李四"), json!("老王五")]);
    // again: nothing more, and it says so
    let (s, again) = server
        .post(
            &format!("/api/v1/customers/imports/{first_id}/undo"),
            &server.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["data"]["already"], true);
    let (_, list) = server
        .get("/api/v1/customers/imports", &server.admin_token)
        .await;
    assert!(
        list["data"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["canUndo"] == false && r["undoneAt"].is_string())
    );

    // the audit log has both imports and both undos
    let (_, audit) = server
        .get("/api/v1/audit?pageSize=50", &server.admin_token)
        .await;
    let actions: Vec<&str> = audit["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .filter(|a| a.starts_with("customer_import"))
        .collect();
    assert_eq!(
        actions,
        [
            "customer_import_undo",
            "customer_import_undo",
            "customer_import",
            "customer_import"
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn imports_refuse_bad_input_and_only_managers_list_or_undo_them() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let csv = "姓名,电话\n张三,13800138001\n".as_bytes().to_vec();
    // a mode that is no mode: refused, nothing written
    let (s, b) = import(&server, &server.admin_token, "?mode=replace", csv.clone()).await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    let long = "x".repeat(300);
    let (s, b) = import(
        &server,
        &server.admin_token,
        &format!("?fileName={long}"),
        csv.clone(),
    )
    .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    assert!(customers(&server).await.is_empty());
    let (_, list) = server
        .get("/api/v1/customers/imports", &server.admin_token)
        .await;
    assert_eq!(list["data"]["total"], 0, "{list}");
    // a salesperson may not import, list or undo
    let (s, b) = import(&server, &sales.token, "", csv.clone()).await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, b) = server.get("/api/v1/customers/imports", &sales.token).await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, made) = import(&server, &server.admin_token, "", csv).await;
    assert_eq!(s, 200, "{made}");
    let id = made["data"]["importId"].as_str().unwrap();
    let (s, b) = server
        .post(
            &format!("/api/v1/customers/imports/{id}/undo"),
            &sales.token,
            json!({}),
        )
        .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    assert_eq!(customers(&server).await.len(), 1, "nothing undone");
    // an import that is not there
    let (s, b) = server
        .post(
            "/api/v1/customers/imports/imp_nothing/undo",
            &server.admin_token,
            json!({}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let (s, b) = server
        .post(
            &format!("/api/v1/customers/imports/{long}/undo"),
            &server.admin_token,
            json!({}),
        )
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    let (s, b) = server
        .get("/api/v1/customers/imports?page=0", &server.admin_token)
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    server.stop().await;
}

/// The same office list as Excel keeps it (`messy-customers.xlsx`: merged titles, number cells,
/// a date column) reads as the CSV does.
#[tokio::test]
async fn the_messy_list_from_excel_reads_the_same() {
    let server = TestServer::start().await;
    let (li, b) = the_lists_people(&server).await;
    let (s, r) = import(&server, &server.admin_token, "", MESSY_XLSX.to_vec()).await;
    assert_eq!(s, 200, "{r}");
    let d = &r["data"];
    assert_eq!(
        (&d["encoding"], &d["imported"]),
        (&json!("Excel"), &json!(5)),
        "{d}"
    );
    assert_eq!(d["ignoredColumns"], json!(["序号", "上次拜访"]));
    assert_eq!(reasons(&d["errors"]), ["10:文件中号码重复"]);
    assert_eq!(
        reasons(&d["unmapped"]),
        [
            "7:负责人无法识别: 不存在的人（未分配）",
            "9:负责人“王芳”有同名的多人，未分配"
        ]
    );
    let all = customers(&server).await;
    let row = |name: &str| all.iter().find(|c| c[0] == name).cloned().unwrap();
    assert_eq!(
        row("张三"),
        json!([
            "张三",
            "华东贸易有限公司",
            "13800138001",
            "important",
            "interested",
            li.id,
            ""
        ])
    );
    assert_eq!(row("李四")[5], json!(b.id));
    assert_eq!(row("王五")[2], json!("13900139003"));
    assert_eq!(row("钱七")[2], json!("02165529988"));
    server.stop().await;
}
