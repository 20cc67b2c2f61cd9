"""Free-mail providers: a customer's address at one of these says nothing about which company they work for.

Matching never links a Stripe customer to a client through one of these domains (two unrelated people at
gmail.com are not the same client). Keep the list sorted by provider; add regional variants as they show up.
"""

from __future__ import annotations

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # Google
        "gmail.com",
        "googlemail.com",
        # Microsoft
        "outlook.com",
        "outlook.fr",
        "outlook.de",
        "outlook.es",
        "outlook.it",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.es",
        "hotmail.it",
        "live.com",
        "live.co.uk",
        "live.fr",
        "live.nl",
        "msn.com",
        "passport.com",
        # Yahoo / AOL (Verizon)
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.it",
        "yahoo.ca",
        "yahoo.com.au",
        "yahoo.co.jp",
        "yahoo.co.in",
        "ymail.com",
        "rocketmail.com",
        "aol.com",
        "aim.com",
        "verizon.net",
        # Apple
        "icloud.com",
        "me.com",
        "mac.com",
        # Privacy-focused
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "tutanota.com",
        "tutanota.de",
        "tuta.io",
        "tutamail.com",
        "fastmail.com",
        "fastmail.fm",
        "hey.com",
        "hushmail.com",
        "mailfence.com",
        "posteo.de",
        "posteo.net",
        "disroot.org",
        "startmail.com",
        # Europe
        "web.de",
        "t-online.de",
        "freenet.de",
        "arcor.de",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "interia.pl",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "ntlworld.com",
        "talktalk.net",
        "bluewin.ch",
        "telenet.be",
        "skynet.be",
        "ziggo.nl",
        "kpnmail.nl",
        "home.nl",
        "mail.ee",
        # Everywhere else
        "mail.com",
        "email.com",
        "usa.com",
        "post.com",
        "zoho.com",
        "zohomail.com",
        "inbox.com",
        "qq.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sohu.com",
        "aliyun.com",
        "foxmail.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "rediffmail.com",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "rambler.ru",
        "ukr.net",
        "comcast.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "optonline.net",
        "shaw.ca",
        "rogers.com",
        "sympatico.ca",
        "bigpond.com",
        "optusnet.com.au",
        "xtra.co.nz",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "gmx.com",
        "gmx.net",
        "yandex.com",
        "yandex.ru",
    }
)

# Providers that register the same service under many country TLDs (gmx.de, gmx.at, yandex.kz, ...).
FREE_MAIL_PREFIXES: frozenset[str] = frozenset({"gmx", "yandex"})


def is_free_mail(domain: str) -> bool:
    """True when `domain` (ASCII, lower-case) belongs to a free-mail provider.

    Args:
        domain: a bare domain such as "gmail.com" or "gmx.at"; subdomains of a provider count too.
    """
    domain = (domain or "").strip().lower().rstrip(".")
    if not domain:
        return False
    labels = domain.split(".")
    for start in range(len(labels) - 1):  # "eu.mail.yahoo.com" → "mail.yahoo.com" → "yahoo.com"
        if ".".join(labels[start:]) in FREE_MAIL_DOMAINS:
            return True
    # gmx.* and yandex.*: the provider's name followed by only a (possibly two-part) country suffix.
    for index, label in enumerate(labels[:-1]):
        suffix = labels[index + 1 :]
        if label in FREE_MAIL_PREFIXES and len(suffix) <= 2 and all(len(part) <= 3 for part in suffix):
            return True
    return False
