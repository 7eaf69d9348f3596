"""The scripted OpenAI-compatible test server, driven by the real openai client and instructor."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import instructor
import openai
import pytest
from pydantic import BaseModel

try:
    from llm_server import (
        CREATED,
        LLMServer,
        RecordedRequest,
        Reply,
        article_from_request,
        flaky,
        summary_responder,
    )
except ImportError:  # tests/ imported as a package
    from tests.llm_server import (  # type: ignore[no-redef]
        CREATED,
        LLMServer,
        RecordedRequest,
        Reply,
        article_from_request,
        flaky,
        summary_responder,
    )

# pyproject's addopts has --block-network. pytest-recording reads allowed hosts ONLY from
# the block_network mark's kwargs, --allowed-hosts, or vcr_config()["allowed_hosts"]; a bare
# @pytest.mark.allowed_hosts(...) mark is registered but ignored. Hosts are regexes matched
# with re.match (prefix match), hence the escaped dots and the "$".
pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

SERVER_SCRIPT = Path(__file__).with_name("llm_server.py")


class Person(BaseModel):
    name: str
    age: int


PERSON = {"name": "Ada", "age": 36}
MESSAGES = [{"role": "user", "content": "Extract: Ada is 36."}]


@pytest.fixture
def server():
    with LLMServer() as srv:
        yield srv


@pytest.fixture
def client(server):
    with openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


# ---------------------------------------------------------------------------
# instructor modes


@pytest.mark.parametrize(
    ("mode", "shape"),
    [
        (instructor.Mode.TOOLS, "tools"),
        (instructor.Mode.JSON, "json_object"),
        (instructor.Mode.JSON_SCHEMA, "json_schema"),
        (instructor.Mode.MD_JSON, "md_json"),
    ],
)
def test_data_reply_parses_in_each_mode(server, client, mode, shape):
    server.script(Reply.data(PERSON))
    ic = instructor.from_openai(client, mode=mode)
    person = ic.chat.completions.create(
        model="gpt-4o-mini", response_model=Person, messages=MESSAGES, max_retries=0
    )
    assert person.model_dump() == PERSON
    (req,) = server.requests
    assert req.mode == shape
    assert req.json["model"] == "gpt-4o-mini"


def test_tools_reply_is_a_tool_call_named_after_tool_choice(server, client):
    server.script(Reply.data(PERSON))
    ic = instructor.from_openai(client, mode=instructor.Mode.TOOLS)
    completion = ic.chat.completions.create_with_completion(
        model="gpt-4o-mini", response_model=Person, messages=MESSAGES, max_retries=0
    )[1]
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function"
    assert (
        call.function.name
        == server.requests[0].json["tool_choice"]["function"]["name"]
        == "Person"
    )
    assert json.loads(call.function.arguments) == PERSON


def test_shapes_per_request_format(server, client):
    server.script(Reply.data(PERSON), Reply.data(PERSON), Reply.data(PERSON))
    plain = client.chat.completions.create(model="m", messages=MESSAGES)
    assert (
        plain.choices[0].message.content
        == "```json\n" + json.dumps(PERSON, indent=2) + "\n```"
    )
    obj = client.chat.completions.create(
        model="m", messages=MESSAGES, response_format={"type": "json_object"}
    )
    assert json.loads(obj.choices[0].message.content) == PERSON
    tools = [
        {"type": "function", "function": {"name": "first", "parameters": {}}},
        {"type": "function", "function": {"name": "second", "parameters": {}}},
    ]
    auto = client.chat.completions.create(model="m", messages=MESSAGES, tools=tools)
    assert auto.choices[0].message.tool_calls[0].function.name == "first"


def test_reask_after_malformed_json(server, client):
    server.script(Reply.raw('{"name": "Ada", "age": '), Reply.data(PERSON))
    ic = instructor.from_openai(client, mode=instructor.Mode.TOOLS)
    person = ic.chat.completions.create(
        model="gpt-4o-mini", response_model=Person, messages=MESSAGES, max_retries=1
    )
    assert person.name == "Ada"
    first, second = server.requests
    assert len(second.messages) > len(
        first.messages
    )  # the re-ask carries the error back
    assert second.messages[-1]["role"] == "tool"


def test_raw_reply_is_exact(server, client):
    server.script(Reply.raw("not json"), Reply.raw("nope"))
    r = client.chat.completions.create(model="m", messages=MESSAGES)
    assert r.choices[0].message.content == "not json"
    r = client.chat.completions.create(
        model="m",
        messages=MESSAGES,
        tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
    )
    assert r.choices[0].message.tool_calls[0].function.arguments == "nope"


def test_truncated_reply_raises_incomplete_output(server, client):
    server.script(Reply.truncated(PERSON))
    ic = instructor.from_openai(client, mode=instructor.Mode.JSON)
    from instructor.core.exceptions import IncompleteOutputException

    with pytest.raises(IncompleteOutputException):
        ic.chat.completions.create(
            model="gpt-4o-mini", response_model=Person, messages=MESSAGES, max_retries=0
        )


def test_truncated_reply_shape(server, client):
    server.script(Reply.truncated(PERSON))
    r = client.chat.completions.create(
        model="m", messages=MESSAGES, response_format={"type": "json_object"}
    )
    assert r.choices[0].finish_reason == "length"
    content = r.choices[0].message.content
    assert json.dumps(PERSON).startswith(content) and len(content) < len(
        json.dumps(PERSON)
    )


def test_text_and_refusal_replies(server, client):
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    server.script(Reply.text("I won't call tools."), Reply.refusal("No."))
    r = client.chat.completions.create(model="m", messages=MESSAGES, tools=tools)
    assert r.choices[0].message.tool_calls is None
    assert r.choices[0].message.content == "I won't call tools."
    r = client.chat.completions.create(model="m", messages=MESSAGES)
    assert r.choices[0].message.refusal == "No."


# ---------------------------------------------------------------------------
# completion object, usage, determinism, recording


def test_completion_object_and_usage(server, client):
    server.script(Reply.data(PERSON))
    r = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, response_format={"type": "json_object"}
    )
    assert r.object == "chat.completion"
    assert r.id.startswith("chatcmpl-")
    assert r.created == CREATED
    assert r.model == "gpt-4o-mini"
    assert r.usage.prompt_tokens == -(-len(MESSAGES[0]["content"]) // 4)
    assert r.usage.completion_tokens == -(-len(json.dumps(PERSON)) // 4)
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert r.usage.completion_tokens > 0


def test_usage_reaches_instructor_callers(server, client):
    server.script(Reply.data(PERSON))
    ic = instructor.from_openai(client, mode=instructor.Mode.TOOLS)
    _, completion = ic.chat.completions.create_with_completion(
        model="gpt-4o-mini", response_model=Person, messages=MESSAGES, max_retries=0
    )
    assert completion.usage.total_tokens > 0


def test_ids_are_deterministic_across_servers():
    def run() -> list[str]:
        with (
            LLMServer(responder=lambda req: Reply.data(PERSON)) as srv,
            openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0) as c,
        ):
            same = [
                c.chat.completions.create(model="m", messages=MESSAGES).id
                for _ in range(2)
            ]
            other = c.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}]
            ).id
            return [*same, other]

    first = run()
    assert first == run()
    assert len(set(first)) == 3  # a repeated body still gets a fresh id


def test_requests_are_recorded(server, client):
    server.script(Reply.data(PERSON))
    client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, temperature=0
    )
    client.models.list()  # answered without consuming the script
    chat, models = server.requests
    assert isinstance(chat, RecordedRequest)
    assert (chat.method, chat.path, chat.status) == (
        "POST",
        "/v1/chat/completions",
        200,
    )
    assert chat.headers["authorization"] == "Bearer sk-test"
    assert chat.headers["content-type"] == "application/json"
    assert chat.json == {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0}
    assert json.loads(chat.raw_body) == chat.json
    assert (models.method, models.path, models.json) == ("GET", "/v1/models", None)
    assert server.chat_requests == [chat]


def test_keep_alive_reuses_one_connection(server, client):
    server.responder = lambda req: Reply.data(PERSON)
    for _ in range(10):
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert len({r.peer for r in server.requests}) == 1
    assert all(
        r.headers.get("connection", "keep-alive").lower() == "keep-alive"
        for r in server.requests
    )


def test_models_endpoint(client):
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini" in ids


def test_unscripted_request_is_a_clear_500(server, client):
    with pytest.raises(openai.InternalServerError, match="no scripted reply"):
        client.chat.completions.create(model="m", messages=MESSAGES)


def test_responder_used_when_queue_empty(server, client):
    server.responder = lambda req: Reply.data({"echo": req.messages[-1]["content"]})
    server.script(Reply.data({"echo": "scripted"}))
    contents = [
        client.chat.completions.create(
            model="m", messages=MESSAGES, response_format={"type": "json_object"}
        )
        .choices[0]
        .message.content
        for _ in range(2)
    ]
    assert [json.loads(c)["echo"] for c in contents] == [
        "scripted",
        MESSAGES[0]["content"],
    ]
    assert server.pending == 0


# ---------------------------------------------------------------------------
# errors


def test_rate_limit_with_retry_after(server, client):
    server.script(Reply.error(429, retry_after=7))
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    err = info.value
    assert err.status_code == 429
    assert err.response.headers["retry-after"] == "7"
    assert err.code == "rate_limit_exceeded"
    assert "Rate limit reached" in err.message


def test_retry_after_ms_header_and_client_retry(server):
    server.script(
        Reply.error(429, retry_after_ms=5), Reply.error(503), Reply.data(PERSON)
    )
    with openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=2) as c:
        r = c.chat.completions.create(
            model="m", messages=MESSAGES, response_format={"type": "json_object"}
        )
    assert json.loads(r.choices[0].message.content) == PERSON
    assert [q.status for q in server.requests] == [429, 503, 200]
    assert [q.headers.get("x-stainless-retry-count") for q in server.requests] == [
        "0",
        "1",
        "2",
    ]


def test_authentication_error_with_api_key():
    with LLMServer(api_key="sk-test-right-key-1234") as srv:
        srv.script(Reply.data(PERSON))
        with openai.OpenAI(
            base_url=srv.base_url, api_key="sk-test-wrong-key-9999", max_retries=0
        ) as c:
            with pytest.raises(openai.AuthenticationError) as info:
                c.chat.completions.create(model="m", messages=MESSAGES)
            with pytest.raises(openai.AuthenticationError):
                c.models.list()
        err = info.value
        assert err.status_code == 401
        assert err.code == "invalid_api_key"
        assert "Incorrect API key provided: sk-te" in err.message
        assert "9999" in err.message and "wrong" not in err.message  # masked
        assert srv.pending == 1  # rejected requests do not consume the script
        with openai.OpenAI(
            base_url=srv.base_url, api_key="sk-test-right-key-1234", max_retries=0
        ) as c:
            assert (
                c.chat.completions.create(model="m", messages=MESSAGES)
                .choices[0]
                .message.content
            )


def test_scripted_401(server, client):
    server.script(Reply.error(401))
    with pytest.raises(
        openai.AuthenticationError, match="Incorrect API key provided"
    ) as info:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.body == {
        "message": info.value.body["message"],
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }


@pytest.mark.parametrize(
    ("reply", "exc", "code"),
    [
        (Reply.error(400, "bad thing", param="messages"), openai.BadRequestError, None),
        (
            Reply.error(400, code="context_length_exceeded"),
            openai.BadRequestError,
            "context_length_exceeded",
        ),
        (Reply.error(404), openai.NotFoundError, "model_not_found"),
        (
            Reply.error(429, code="insufficient_quota"),
            openai.RateLimitError,
            "insufficient_quota",
        ),
        (Reply.error(500), openai.InternalServerError, None),
        (Reply.error(503), openai.InternalServerError, None),
    ],
)
def test_scripted_errors_map_to_openai_exceptions(server, client, reply, exc, code):
    server.script(reply)
    with pytest.raises(exc) as info:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.code == code
    assert info.value.type
    assert info.value.message


def test_unknown_model_is_404_when_models_restricted():
    with (
        LLMServer(models=["gpt-4o-mini"]) as srv,
        openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0) as c,
    ):
        with pytest.raises(openai.NotFoundError, match="does not exist") as info:
            c.chat.completions.create(model="gpt-9", messages=MESSAGES)
        assert info.value.code == "model_not_found"
        assert [m.id for m in c.models.list()] == ["gpt-4o-mini"]


def test_proxy_html_error_and_disconnect(server, client):
    server.script(
        Reply.http(
            502, "<html>Bad Gateway</html>", headers={"content-type": "text/html"}
        ),
        Reply.disconnect(),
    )
    with pytest.raises(openai.InternalServerError, match="Bad Gateway"):
        client.chat.completions.create(model="m", messages=MESSAGES)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="m", messages=MESSAGES)


def test_delay_triggers_client_timeout(server):
    server.script(Reply.delay(2, Reply.data(PERSON)), Reply.data(PERSON))
    with openai.OpenAI(
        base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=0.2
    ) as c:
        with pytest.raises(openai.APITimeoutError):
            c.chat.completions.create(model="m", messages=MESSAGES)
        assert (
            c.chat.completions.create(model="m", messages=MESSAGES)
            .choices[0]
            .message.content
        )


def test_close_does_not_wait_for_delayed_replies():
    srv = LLMServer().start()
    srv.script(Reply.delay(60, Reply.data(PERSON)))

    async def hit():
        async with openai.AsyncOpenAI(
            base_url=srv.base_url, api_key="sk", max_retries=0, timeout=30
        ) as c:
            await c.chat.completions.create(model="m", messages=MESSAGES)

    async def main():
        task = asyncio.create_task(hit())
        while not srv.requests:
            await asyncio.sleep(0.01)
        await asyncio.get_running_loop().run_in_executor(None, srv.close)
        with pytest.raises(openai.APIConnectionError):
            await task

    asyncio.run(asyncio.wait_for(main(), 10))


# ---------------------------------------------------------------------------
# async client, flaky, article extraction


def test_async_client_concurrent(server):
    server.responder = lambda req: Reply.data({"article": article_from_request(req)})

    async def main():
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="sk-test", max_retries=0
        ) as c:
            ic = instructor.from_openai(c, mode=instructor.Mode.JSON_SCHEMA)

            class Echo(BaseModel):
                article: str

            async def one(i: int) -> str:
                fenced = f"=====BEGIN ARTICLE ab{i:02d}=====\nText {i}\n=====END ARTICLE ab{i:02d}====="
                r = await ic.chat.completions.create(
                    model="m",
                    response_model=Echo,
                    max_retries=0,
                    messages=[{"role": "user", "content": f"Summarize:\n{fenced}\n"}],
                )
                return r.article

            return await asyncio.gather(*(one(i) for i in range(20)))

    assert asyncio.run(main()) == [f"Text {i}" for i in range(20)]
    assert len(server.requests) == 20


def test_flaky_is_deterministic_and_order_independent():
    def base(req):
        return Reply.data(PERSON)

    def statuses(order: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        with (
            LLMServer(responder=flaky(base, p429=0.3, p500=0.2, seed=1)) as srv,
            openai.OpenAI(base_url=srv.base_url, api_key="sk", max_retries=0) as c,
        ):
            for i in order:
                for _attempt in range(3):
                    try:
                        c.chat.completions.create(
                            model="m", messages=[{"role": "user", "content": str(i)}]
                        )
                        out.setdefault(i, []).append(200)
                    except openai.APIStatusError as e:
                        out.setdefault(i, []).append(e.status_code)
                        if e.status_code == 429:
                            assert e.response.headers["retry-after-ms"] == "10"
        return out

    forward = statuses(list(range(30)))
    assert forward == statuses(list(reversed(range(30))))
    flat = [s for v in forward.values() for s in v]
    assert {200, 429, 500} <= set(flat)


def test_flaky_max_failures():
    responder = flaky(lambda req: Reply.data(PERSON), p500=1.0, max_failures=2)
    with (
        LLMServer(responder=responder) as srv,
        openai.OpenAI(base_url=srv.base_url, api_key="sk", max_retries=0) as c,
    ):
        for _ in range(2):
            with pytest.raises(openai.InternalServerError):
                c.chat.completions.create(model="m", messages=MESSAGES)
        c.chat.completions.create(model="m", messages=MESSAGES)


ARTICLE = 'Line one.\n\n  "Quoted" text — with unicode, trailing spaces  \n=====END ARTICLE other=====\nlast'


@pytest.mark.parametrize(
    "role_layout", ["user_only", "system_first_then_md_json_suffix"]
)
def test_article_from_request(role_layout):
    fenced = f"Read this.\n=====BEGIN ARTICLE 9f3a_b1=====\n{ARTICLE}\n=====END ARTICLE 9f3a_b1=====\nThanks."
    messages = [{"role": "user", "content": fenced}]
    if role_layout != "user_only":
        messages = [
            {"role": "system", "content": "schema..."},
            *messages,
            {
                "role": "user",
                "content": "Return the correct JSON response within a ```json codeblock.",
            },
        ]
    req = RecordedRequest(
        "POST", "/v1/chat/completions", {}, {"messages": messages}, b""
    )
    assert article_from_request(req) == ARTICLE
    assert article_from_request({"messages": messages}) == ARTICLE


def test_article_from_request_content_parts_and_missing():
    parts = [
        {
            "type": "text",
            "text": "=====BEGIN ARTICLE x1=====\nbody\n=====END ARTICLE x1=====",
        }
    ]
    assert (
        article_from_request({"messages": [{"role": "user", "content": parts}]})
        == "body"
    )
    assert (
        article_from_request({"messages": [{"role": "user", "content": "no fence"}]})
        is None
    )
    assert (
        article_from_request(
            {
                "messages": [
                    {
                        "role": "user",
                        "content": "=====BEGIN ARTICLE a=====\nx\n=====END ARTICLE b=====",
                    }
                ]
            }
        )
        is None
    )
    assert article_from_request({}) is None


@pytest.mark.xfail(
    strict=True,
    reason="summary_responder predates SummaryDraft.relevance (issue 10): add "
    "'relevance': {'relevant': True, 'reason': ...} to its draft, then remove this mark",
)
def test_summary_responder_fills_a_valid_summary_draft(server, client):
    from summarizer.schema import SummaryDraft

    server.responder = summary_responder
    ic = instructor.from_openai(client, mode=instructor.Mode.TOOLS)
    draft = ic.chat.completions.create(
        model="m",
        response_model=SummaryDraft,
        max_retries=0,
        messages=[
            {
                "role": "user",
                "content": "=====BEGIN ARTICLE n=====\nTalks resumed. More.\n=====END ARTICLE n=====",
            }
        ],
    )
    assert draft.headline == "Talks resumed."
    assert draft.attacks == []


# ---------------------------------------------------------------------------
# standalone process


def test_standalone_process(tmp_path):
    (tmp_path / "my_responders.py").write_text(
        textwrap.dedent(
            """
            from llm_server import Reply

            def answer(req):
                return Reply.data({"name": "Sub", "age": len(req.messages)})
            """
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(SERVER_SCRIPT.parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SERVER_SCRIPT),
            "--port",
            "0",
            "--responder",
            "my_responders:answer",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:"), (
            line,
            proc.stderr.read() if proc.poll() else "",
        )
        base_url = line.split()[1]
        assert base_url.endswith("/v1")
        with openai.OpenAI(base_url=base_url, api_key="sk", max_retries=0) as c:
            ic = instructor.from_openai(c, mode=instructor.Mode.TOOLS)
            person = ic.chat.completions.create(
                model="m", response_model=Person, messages=MESSAGES, max_retries=0
            )
        assert person.model_dump() == {"name": "Sub", "age": 1}
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
