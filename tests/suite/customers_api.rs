//! Customers (contract §11): CRUD, normalised numbers, masking per role, search by the whole
//! number, permissions, and CSV import in UTF-8 and GBK with bad and duplicate rows.

use crate::common;

use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

async fn import(server: &TestServer, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    import_with(server, token, "", bytes).await
}

pub(crate) async fn import_with(
    server: &TestServer,
    token: &str,
    query: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let resp = server
        .client
        .post(server.url(&format!("/api/v1/customers/import{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn create(server: &TestServer, token: &str, body: Value) -> Value {
    let (s, b) = server.post("/api/v1/customers", token, body).await;
    assert_eq!(s, 200, "{b}");
    b["data"].clone()
}

fn count(server: &TestServer) -> i64 {
    server
        .db()
        .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
        .unwrap()
}

async fn users(server: &TestServer) -> (TestUser, TestUser) {
    (
        server.create_user("sales_a", "sales_staff", "一部").await,
        server.create_user("boss", "manager", "一部").await,
    )
}

#[tokio::test]
async fn crud_normalises_numbers_and_masks_for_sales_staff() {
    let server = TestServer::start().await;
    let (sales, boss) = users(&server).await;
    let c = create(&server, &boss.token, json!({
        "name": "张三", "phone": "+86 138-1234-5678", "level": "vip", "tags": ["意向", "意向", "VIP"],
    }))
    .await;
    assert_eq!(c["phone"], "13812345678");
    assert_eq!(c["tags"], json!(["意向", "VIP"]));
    assert_eq!(c["followStatus"], "new");
    let id = c["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cust_"));

    // the same number in another form is the same customer
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &sales.token,
            json!({"name": "李四", "phone": "0086 13812345678"}),
        )
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");

    // sales staff see masked numbers, and still find the customer by the whole number
    for (token, shown) in [
        (&sales.token, "138****5678"),
        (&boss.token, "13812345678"),
        (&server.admin_token, "13812345678"),
    ] {
        for keyword in ["13812345678", "138-1234-5678", "张"] {
            let (s, b) = server
                .get(
                    &format!("/api/v1/customers?keyword={}", urlenc(keyword)),
                    token,
                )
                .await;
            assert_eq!(s, 200, "{b}");
            assert_eq!(b["data"]["total"], 1, "{keyword}: {b}");
            assert_eq!(b["data"]["records"][0]["phone"], shown);
        }
    }
    let (_, b) = server
        .get("/api/v1/customers?keyword=13900000000", &boss.token)
        .await;
    assert_eq!(b["data"]["total"], 0);

    // update: anyone; the answer masks for sales staff
    let (s, b) = server
        .put(
            &format!("/api/v1/customers/{id}"),
            &sales.token,
            json!({"notes": "老客户", "followStatus": "interested"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["phone"], "138****5678");
    assert_eq!(b["data"]["followStatus"], "interested");
    for body in [
        json!({"followStatus": "maybe"}),
        json!({"phone": "abc"}),
        json!({"name": ""}),
        json!({"x": 1}),
        json!({"nextFollowTime": "soon"}),
    ] {
        let (s, b) = server
            .put(&format!("/api/v1/customers/{id}"), &boss.token, body)
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let (s, b) = server
        .put(
            "/api/v1/customers/cust_nope",
            &boss.token,
            json!({"notes": "x"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");

    // delete: admins and managers only
    let (s, b) = server
        .delete(&format!("/api/v1/customers/{id}"), &sales.token)
        .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    assert_eq!(count(&server), 1);
    let (s, _) = server
        .delete(&format!("/api/v1/customers/{id}"), &boss.token)
        .await;
    assert_eq!(s, 200);
    let (s, b) = server
        .delete(&format!("/api/v1/customers/{id}"), &boss.token)
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_eq!(count(&server), 0);
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn create_checks_input_and_list_pages() {
    let server = TestServer::start().await;
    let (sales, _) = users(&server).await;
    for body in [
        json!({"name": "张三"}),
        json!({"phone": "13800138000"}),
        json!({"name": "张三", "phone": "12"}),
        json!({"name": "张三", "phone": "13800138000", "tags": "VIP"}),
        json!({"name": "张".repeat(65), "phone": "13800138000"}),
        json!({"name": "张三", "phone": "13800138000", "ownerId": "user_nobody"}),
    ] {
        let (s, b) = server.post("/api/v1/customers", &sales.token, body).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    assert_eq!(count(&server), 0);
    for i in 0..25 {
        create(
            &server,
            &sales.token,
            json!({"name": format!("客户{i:02}"), "phone": format!("139000000{i:02}")}),
        )
        .await;
    }
    let (_, b) = server
        .get("/api/v1/customers?page=2&pageSize=10", &sales.token)
        .await;
    assert_eq!(
        (
            b["data"]["total"].clone(),
            b["data"]["page"].clone(),
            b["data"]["pageSize"].clone()
        ),
        (json!(25), json!(2), json!(10))
    );
    assert_eq!(b["data"]["records"].as_array().unwrap().len(), 10);
    assert_eq!(b["data"]["records"][0]["name"], "客户14", "newest first");
    let (_, b) = server
        .get("/api/v1/customers?page=3&pageSize=10", &sales.token)
        .await;
    assert_eq!(b["data"]["records"].as_array().unwrap().len(), 5);
    let (_, b) = server.get("/api/v1/customers?page=9", &sales.token).await;
    assert_eq!(b["data"]["records"], json!([]));
    for q in [
        "page=0",
        "pageSize=0",
        "pageSize=101",
        "page=x",
        "followStatus=odd",
    ] {
        let (s, b) = server
            .get(&format!("/api/v1/customers?{q}"), &sales.token)
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
}

#[tokio::test]
async fn import_gbk_and_utf8_reports_every_skipped_row() {
    let server = TestServer::start().await;
    let (sales, boss) = users(&server).await;
    create(
        &server,
        &boss.token,
        json!({"name": "老客户", "phone": "13700000000"}),
    )
    .await;
    let csv = "姓名,电话,等级,标签,备注\n\
               张三,138 0013 8000,vip,意向;VIP,第一行\n\
               李四,+86 139-0013-9000,,,\n\
               ,13600000000,,,没有名字\n\
               王五,abc,,,坏号码\n\
               赵六,13800138000,,,文件内重复\n\
               钱七,0086 13700000000,,,已存在\n\
               \"孙,八\",13500000000,normal,\"a,b\",带引号\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(csv);
    assert!(!unmappable);
    let (s, b) = import(&server, &sales.token, gbk.to_vec()).await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, b) = import(&server, &boss.token, gbk.to_vec()).await;
    assert_eq!(s, 200, "{b}");
    let d = &b["data"];
    assert_eq!(d["encoding"], "GBK");
    assert_eq!(
        (
            d["total"].clone(),
            d["imported"].clone(),
            d["skipped"].clone()
        ),
        (json!(7), json!(3), json!(4))
    );
    let rows: Vec<i64> = d["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![4, 5, 6, 7]);
    assert!(
        d["errors"][3]["reason"]
            .as_str()
            .unwrap()
            .contains("老客户")
    );
    let (_, b) = server
        .get("/api/v1/customers?keyword=13800138000", &boss.token)
        .await;
    let zhang = &b["data"]["records"][0];
    assert_eq!(
        (
            zhang["name"].clone(),
            zhang["level"].clone(),
            zhang["tags"].clone()
        ),
        (json!("张三"), json!("vip"), json!(["意向", "VIP"]))
    );
    let (_, b) = server
        .get(
            &format!("/api/v1/customers?keyword={}", urlenc("孙,八")),
            &boss.token,
        )
        .await;
    assert_eq!(b["data"]["records"][0]["tags"], json!(["a", "b"]));
    assert_eq!(count(&server), 4);

    // UTF-8 with a BOM and no header row: nothing is written until the columns are confirmed
    // (issue 30, item 1), the proposal read from the cells; importing again skips every row
    let utf8 = "\u{feff}周九,13300000000\n吴十,13200000000,vip\n"
        .as_bytes()
        .to_vec();
    let (_, b) = import(&server, &server.admin_token, utf8.clone()).await;
    assert_eq!(b["data"]["needsMapping"], true, "{b}");
    assert_eq!(
        b["data"]["proposed"],
        json!(["name", "phone", "level"]),
        "{b}"
    );
    assert_eq!(
        b["data"]["preview"][1],
        json!(["吴十", "13200000000", "vip"]),
        "{b}"
    );
    assert_eq!(count(&server), 4, "nothing written");
    let columns = "?columns=name,phone,level";
    let (_, b) = import_with(&server, &server.admin_token, columns, utf8.clone()).await;
    assert_eq!(
        (b["data"]["encoding"].clone(), b["data"]["imported"].clone()),
        (json!("UTF-8"), json!(2))
    );
    for bad in [
        "?columns=name,level",
        "?columns=name,phone,phone",
        "?columns=name,phone,wechat",
    ] {
        let (s, b) = import_with(&server, &server.admin_token, bad, utf8.clone()).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let (_, b) = import_with(&server, &server.admin_token, columns, utf8).await;
    assert_eq!(
        (b["data"]["imported"].clone(), b["data"]["skipped"].clone()),
        (json!(0), json!(2))
    );
    assert_eq!(count(&server), 6);

    // not text in either encoding, or too large: refused, nothing imported
    let (s, b) = import(&server, &boss.token, vec![0xff, 0xfe, 0x81, 0x20, 0xff]).await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    let (s, b) = import(&server, &server.admin_token, vec![b'a'; 9 * 1024 * 1024]).await;
    assert_error(s, &b, 413, "PAYLOAD_TOO_LARGE");
    let (s, b) = import(&server, &boss.token, Vec::new()).await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    assert_eq!(count(&server), 6);
}

/// Issue 13 (4, 14): an empty file is refused; a big one commits in batches (named in the
/// answer) and every row arrives once, with the rows already there skipped on a second run.
#[tokio::test]
async fn import_refuses_an_empty_file_and_writes_a_big_one_in_batches() {
    let server = TestServer::start().await;
    let t = &server.admin_token;
    for empty in [&b""[..], b"\r\n  \n", "姓名,电话\n".as_bytes()] {
        let (s, b) = import(&server, t, empty.to_vec()).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    assert_eq!(count(&server), 0);
    let mut csv = String::from("姓名,电话\n");
    for i in 0..2_500 {
        csv.push_str(&format!("客户{i},139{i:08}\n"));
    }
    let (s, b) = import(&server, t, csv.clone().into_bytes()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["data"]["imported"].clone(), b["data"]["batches"].clone()),
        (json!(2500), json!(3))
    );
    assert_eq!(count(&server), 2500);
    let (_, again) = import(&server, t, csv.into_bytes()).await;
    assert_eq!(
        (
            again["data"]["imported"].clone(),
            again["data"]["skipped"].clone()
        ),
        (json!(0), json!(2500))
    );
    assert_eq!(count(&server), 2500);
}

/// Issue 14 (1): the words a list uses for level and follow status are stored as codes, so the
/// edit form shows them; a level no word matches is imported as normal and reported, a status
/// no word matches skips its row with the reason.
#[tokio::test]
async fn import_maps_level_and_status_words_to_codes() {
    let server = TestServer::start().await;
    let t = &server.admin_token;
    let csv = "姓名,电话,等级,跟进状态\n\
               甲,13900000001,重要,已成交\n\
               乙,13900000002,VIP,有意向\n\
               丙,13900000003,普通,\n\
               丁,13900000004,金牌,新客户\n\
               戊,13900000005,,随便\n\
               己,13900000006,,再联系\n";
    let (s, b) = import(&server, t, csv.as_bytes().to_vec()).await;
    assert_eq!(s, 200, "{b}");
    // a word no one knows keeps its row (issue 30, item 4): 随便 becomes 新客户 and is
    // reported; the page's own quick tag 再联系 is a status it knows
    assert_eq!(b["data"]["imported"], 6, "{b}");
    assert_eq!(b["data"]["unmapped"][0]["row"], 5, "{b}");
    assert!(
        b["data"]["unmapped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("金牌")
    );
    assert_eq!(b["data"]["unmapped"][1]["row"], 6, "{b}");
    assert!(
        b["data"]["unmapped"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("随便")
    );
    assert_eq!(b["data"]["errors"], json!([]), "{b}");
    let stored: Vec<(String, String, String)> = {
        let db = server.db();
        let mut stmt = db
            .prepare("SELECT name, level, follow_status FROM customers ORDER BY phone")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let want = [
        ("甲", "important", "deal"),
        ("乙", "vip", "interested"),
        ("丙", "normal", "new"),
        ("丁", "normal", "new"),
        ("戊", "normal", "new"),
        ("己", "normal", "contacted"),
    ];
    let got: Vec<(&str, &str, &str)> = stored
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, want);
}
