"""A stand-in for Open edX's XQueue on 127.0.0.1 that speaks its external-grader protocol as openedx/xqueue's
queue/ext_interface.py and queue/views.py do: POST /xqueue/login/ (a session cookie), GET /xqueue/get_submission/
(a 302 to the login page without the session, as Django's login_required answers), POST /xqueue/put_result/ (the
header must carry the submission's id and the key handed out with it), every answer {"return_code": 0 or 1,
"content": ...}. Submitted files are served from /files/..., as the LMS's storage serves them to graders."""
import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandIn:
    def __init__(self, queue_name, username="grader", password="s3cret"):
        self.queue_name, self.username, self.password = queue_name, username, password
        self.pending = []  # submission ids, in order
        self.submissions = {}  # id -> {"body": dict, "files": {name: bytes}, "key": str or None}
        self.replies = {}  # id -> the grader's reply (xqueue_body, parsed)
        self.refused = []  # put_result calls that were not valid
        self.sessions = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def submit(self, body, files=None):
        """Queue a submission: body is xqueue_body (student_info, student_response, grader_payload); files {name: bytes}."""
        with self.lock:
            number = len(self.submissions) + 1
            self.submissions[number] = {"body": body, "files": dict(files or {}), "key": None}
            self.pending.append(number)
        return number

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, ok, content, status=200):
                data = json.dumps({"return_code": 0 if ok else 1, "content": content}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _session(self):
                cookie = self.headers.get("Cookie", "")
                return any(part.strip().startswith("sessionid=") and part.strip()[10:] in standin.sessions
                           for part in cookie.split(";"))

            def _form(self):
                length = int(self.headers.get("Content-Length", 0))
                return {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}

            def _login_required(self):
                if self._session():
                    return True
                self.send_response(302)
                self.send_header("Location", "/xqueue/login/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return False

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path.startswith("/files/"):
                    _, _, number, name = url.path.split("/", 3)
                    data = standin.submissions[int(number)]["files"][urllib.parse.unquote(name)]
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if url.path != "/xqueue/get_submission/":
                    return self._reply(False, "not found", 404)
                if not self._login_required():
                    return
                query = urllib.parse.parse_qs(url.query)
                queue = query.get("queue_name", [None])[0]
                if queue is None:
                    return self._reply(False, "'get_submission' must provide parameter 'queue_name'")
                if queue != standin.queue_name:
                    return self._reply(False, f"Queue '{queue}' not found")
                with standin.lock:
                    if not standin.pending:
                        return self._reply(False, f"Queue '{queue}' is empty")
                    number = standin.pending.pop(0)
                    entry = standin.submissions[number]
                    entry["key"] = secrets.token_hex(16)
                files = {name: f"{standin.url}/files/{number}/{urllib.parse.quote(name)}" for name in entry["files"]}
                payload = {"xqueue_header": json.dumps({"submission_id": number, "submission_key": entry["key"]}),
                           "xqueue_body": json.dumps(entry["body"]), "xqueue_files": json.dumps(files)}
                return self._reply(True, json.dumps(payload))

            def do_POST(self):
                form = self._form()
                if self.path == "/xqueue/login/":
                    if form.get("username") == standin.username and form.get("password") == standin.password:
                        session = secrets.token_hex(16)
                        standin.sessions.add(session)
                        data = json.dumps({"return_code": 0, "content": "Logged in"}).encode()
                        self.send_response(200)
                        self.send_header("Set-Cookie", f"sessionid={session}; Path=/; HttpOnly")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                    return self._reply(False, "Incorrect login credentials")
                if self.path != "/xqueue/put_result/":
                    return self._reply(False, "not found", 404)
                if not self._login_required():
                    return
                try:
                    header = json.loads(form["xqueue_header"])
                    number, key = int(header["submission_id"]), header["submission_key"]
                    body = json.loads(form["xqueue_body"])
                except (KeyError, ValueError, TypeError):
                    standin.refused.append(form)
                    return self._reply(False, "Incorrect reply format")
                with standin.lock:
                    entry = standin.submissions.get(number)
                    if entry is None or not entry["key"] or key != entry["key"]:
                        standin.refused.append(form)
                        return self._reply(False, "Incorrect key for submission")
                    entry["key"] = None
                    standin.replies[number] = body
                return self._reply(True, "")

        return Handler
