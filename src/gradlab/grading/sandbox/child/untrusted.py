"""Reading and removing what student code may have touched, without trusting it to be what it looks like.

A file a child left can be a FIFO (open() would block for ever), a symlink to /dev/zero or to a secret (read
would never end, or read the wrong thing), a directory, or simply huge; a directory it left can be a tree deep
enough to overflow any recursive walk. So every file is opened relative to a directory descriptor, without
following links and without blocking, and read only if the opened descriptor is a regular file, up to a bound;
and trees are removed without recursion.

Used on both sides of the sandbox: by the supervisor inside it (child/supervisor.py) and by the grader for a
scratch folder on the host. Standard library only: the supervisor imports nothing of gradlab.
"""
import os
import stat

FILE_BYTES = 16 * 2 ** 20  # a result file bigger than this is not sent to the grader
TOTAL_BYTES = 64 * 2 ** 20  # nor any file once this much has been sent for one run
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def open_directory(path, dir_fd=None):
    """A descriptor of the directory `path` (relative to `dir_fd` if given); OSError if it is a link or not
    a directory."""
    return os.open(path, _DIR_FLAGS, dir_fd=dir_fd)


class NotAResult(Exception):
    """A file that is there but is not one to read: a link, a FIFO, a device, a folder, or too long."""


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def read_regular(dir_fd, name, limit):
    """The bytes of the regular file `name` in the directory `dir_fd`; None when there is no such file. Raises
    NotAResult (saying what it is) for a link, a FIFO, a device, a folder, or a file longer than `limit` bytes.
    Never blocks, never follows a link, never reads past `limit` + 1 bytes."""
    if "/" in name or name in (".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise NotAResult(f"{name} cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = next((words for test, words in _KINDS if test(info.st_mode)), "not a regular file")
        raise NotAResult(f"{name} is {kind}")
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as error:  # replaced since the stat, or a link: O_NOFOLLOW refuses it
        raise NotAResult(f"{name} cannot be read ({error.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAResult(f"{name} is not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotAResult(f"{name} is longer than {limit} bytes")
        return b"".join(chunks)
    except OSError as error:
        raise NotAResult(f"{name} cannot be read ({error.strerror})") from None
    finally:
        os.close(fd)


def remove_tree(path):
    """Remove the directory `path` and everything in it; never follows a link, never recurses, never raises.

    Each directory is emptied of files; its subdirectories are first moved up to `path` itself (a rename in
    the same file system), so a tree of any depth is taken apart level by level with two descriptors open."""
    try:
        top = open_directory(path)
    except OSError:
        _unlink_quietly(path)
        return
    try:
        pending, serial, retried = [None], 0, {}  # None: `path` itself; names: directories moved up into it
        while pending:
            name = pending.pop()
            if name is not None:
                _chmod_quietly(name, top)  # a directory its owner made unreadable (chmod 000)
            try:
                fd = top if name is None else open_directory(name, dir_fd=top)
            except OSError:
                _unlink_quietly(name, top)
                continue
            try:
                for entry in list(os.scandir(fd)):
                    if entry.is_dir(follow_symlinks=False):
                        serial += 1
                        moved = f".gradlab-removing-{serial}"
                        try:
                            os.rename(entry.name, moved, src_dir_fd=fd, dst_dir_fd=top)
                            pending.append(moved)
                        except OSError:
                            pass
                    else:
                        _unlink_quietly(entry.name, fd)
            except OSError:
                pass
            finally:
                if fd != top:
                    os.close(fd)
            if name is not None and _rmdir_quietly(name, top) and retried.get(name, 0) < 3:
                retried[name] = retried.get(name, 0) + 1
                pending.append(name)  # something appeared in it meanwhile: empty it again
    finally:
        os.close(top)
    _rmdir_quietly(path)


def _unlink_quietly(name, dir_fd=None):
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def _chmod_quietly(name, dir_fd):
    try:
        os.chmod(name, 0o700, dir_fd=dir_fd)
    except OSError:
        pass


def _rmdir_quietly(name, dir_fd=None):
    """Remove an empty directory; True if it was not empty (to be emptied again)."""
    try:
        os.rmdir(name, dir_fd=dir_fd)
    except OSError as error:
        return error.errno == 39  # ENOTEMPTY
    return False
