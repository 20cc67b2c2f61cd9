"""The development outbox lists emails and shows their text."""

from app.core import mail
from tests.conftest import login


async def test_it_lists_recorded_emails_newest_first_and_shows_one(client, alice):
    await mail.record_email(mail.Email("a@example.com", "First", "one", "<p>1</p>", "test"))
    second = await mail.record_email(mail.Email("b@example.com", "Second <script>", "two", "<p>2</p>", "test"))
    await login(client, alice)
    page = await client.get("/dev/outbox")
    assert page.text.index("Second &lt;script&gt;") < page.text.index("First")
    detail = await client.get(f"/dev/outbox/{second.id}")
    assert detail.status_code == 200 and "two" in detail.text
    assert (await client.get("/dev/outbox/999999")).status_code == 404
