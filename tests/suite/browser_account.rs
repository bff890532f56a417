//! 我的账号 in a real headless Chromium (issue 14, item 5): a wrong old password is said next to
//! the form; the right one changes the password, the page goes on (also after a reload) while
//! the user's other login ends. An admin's own row on 用户 offers 我的账号, not 重置密码.

use crate::common;

use common::browser::Browser;
use common::{ADMIN_PASSWORD, TestServer, USER_PASSWORD, assert_error};

#[tokio::test]
#[ignore = "needs chromium"]
async fn the_own_password_is_changed_on_my_account_and_the_page_goes_on() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = Browser::open(&server.base, "s14-account").await;
    b.login("sales_a", USER_PASSWORD).await;
    b.click("#nav a[data-page=account]").await;
    b.wait_text("#account-info", "sales_a的名字").await;

    b.fill("#password-form input[name=oldPassword]", "not-it")
        .await;
    b.fill("#password-form input[name=newPassword]", "新密码-abc")
        .await;
    b.fill("#password-form input[name=confirm]", "新密码-abc")
        .await;
    b.click("#password-submit").await;
    b.wait_text("#password-error", "原密码错误").await;
    b.shot("1-wrong-old").await;

    b.fill("#password-form input[name=oldPassword]", USER_PASSWORD)
        .await;
    b.fill("#password-form input[name=newPassword]", "新密码-abc")
        .await;
    b.fill("#password-form input[name=confirm]", "新密码-abc")
        .await;
    b.click("#password-submit").await;
    b.wait_text("#password-done", "密码已修改").await;
    b.shot("2-changed").await;
    // the login made before (another session) is over; the page is not
    let (status, body) = server.get("/api/v1/auth/me", &sales.token).await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    b.click("#nav a[data-page=customers]").await;
    b.wait_text("#customer-list", "还没有客户").await;
    // a reload starts from the stored (new) token
    b.goto("/#/followups").await;
    b.js("location.reload(); return true;", vec![]).await;
    b.wait_text("#followup-list", "暂无数据").await;
    b.wait_text("#current-user", "sales_a的名字").await;
    assert!(b.menu().await.contains(&"我的账号".to_string()));
    let _ = server.login("sales_a", "新密码-abc").await;

    // an admin resets others' passwords, and finds their own under 我的账号
    b.click("#logout").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=users]").await;
    b.wait_text("#user-list", "sales_a").await;
    let own_row_link = b
        .js(
            "return [...document.querySelectorAll('#user-list tr')].some((tr) => \
               tr.textContent.includes('admin') && tr.querySelector('a[href=\"#/account\"]'));",
            vec![],
        )
        .await;
    assert_eq!(own_row_link, serde_json::json!(true));
    b.shot("3-users-own-row").await;
}
