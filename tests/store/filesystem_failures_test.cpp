// A store meeting real file-system failures: a disk that fills up, files it
// may not write. Each test forks a child to change what the process may do
// (namespaces, user id) without touching the test runner or the machine.
// Where that is not allowed the test is skipped; the mapping of the codes is
// covered by lmdb_errors_test.cpp either way.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/store.hpp"
#include "store_test_support.hpp"

namespace provnet::store {
namespace {

using testing::TempDir;

constexpr int kSkip = 77;

bool write_proc_file(const char* path, const std::string& text) {
  int fd = ::open(path, O_WRONLY);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// In the child: a private tmpfs of `size` at `dir`, or false. The child gets
// a mount namespace of its own (and a user namespace when not root), so the
// mount is invisible to the rest of the machine and disappears with it.
bool mount_private_tmpfs(const std::string& dir, const char* size) {
  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWNS) != 0) {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
    if (!write_proc_file("/proc/self/setgroups", "deny") ||
        !write_proc_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_proc_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
      return false;
    }
  }
  // Without this the mount could propagate back to the parent's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  std::string options = std::string("size=") + size;
  return ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0;
}

// Runs in the child; the exit status is the verdict, stderr the reason.
int fill_the_disk(const std::string& dir) {
  if (!mount_private_tmpfs(dir, "512k")) {
    std::fprintf(stderr, "cannot mount a private tmpfs: %s\n", std::strerror(errno));
    return kSkip;
  }
  // Room that an operator can free later.
  const std::string filler = dir + "/filler";
  std::ofstream(filler) << std::string(128 * 1024, 'f');

  StoreOptions o;
  o.path = dir + "/store";
  o.map_size_bytes = 64ull << 20;  // far more than the disk: the disk fills first
  o.durable = false;
  auto opened = Store::open(o);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  Store& store = *opened.value();

  std::optional<Error> failure;
  std::uint64_t committed = 0;
  for (int i = 0; i < 100000 && !failure; ++i) {
    auto txn = store.begin_write();
    if (!txn) {
      failure = txn.error();
      break;
    }
    auto put = txn->put(Table::pending_queries, "q" + std::to_string(i), std::string(4000, 'x'));
    if (!put) {
      failure = put.error();
      break;
    }
    auto commit = txn->commit();
    if (!commit) {
      failure = commit.error();
      break;
    }
    ++committed;
  }
  if (!failure) {
    std::fprintf(stderr, "a 512 KiB file system never filled up\n");
    return 2;
  }
  if (failure->code != Errc::disk_full) {
    std::fprintf(stderr, "expected disk_full, got code %d: %s\n", static_cast<int>(failure->code),
                 failure->message.c_str());
    return 3;
  }
  if (failure->message.find(o.path) == std::string::npos) {
    std::fprintf(stderr, "the message does not name the store: %s\n", failure->message.c_str());
    return 4;
  }
  // Everything committed before is there, and once space is freed the node
  // goes on without a restart.
  {
    auto txn = store.begin_read();
    auto n = txn ? txn->count(Table::pending_queries) : Result<std::uint64_t>(txn.error());
    if (!n || n.value() != committed) {
      std::fprintf(stderr, "committed %llu entries, found %s\n",
                   static_cast<unsigned long long>(committed),
                   n ? std::to_string(n.value()).c_str() : n.error().message.c_str());
      return 5;
    }
  }
  std::filesystem::remove(filler);
  auto txn = store.begin_write();
  if (!txn) return 6;
  auto put = txn->put(Table::pending_queries, "after", "space freed");
  auto commit = put ? txn->commit() : Result<void>(put.error());
  if (!commit) {
    std::fprintf(stderr, "write after freeing space: %s\n", commit.error().message.c_str());
    return 6;
  }
  return 0;
}

// In the child: drop to an unprivileged user when root, so that file
// permissions apply.
bool become_unprivileged() {
  if (::geteuid() != 0) return true;
  constexpr uid_t kNobody = 65534;
  return ::setgroups(0, nullptr) == 0 && ::setgid(kNobody) == 0 && ::setuid(kNobody) == 0;
}

int open_where_not_allowed(const std::string& dir) {
  if (!become_unprivileged()) {
    std::fprintf(stderr, "cannot drop privileges: %s\n", std::strerror(errno));
    return kSkip;
  }
  int verdict = 0;
  // A store whose directory may not be created, then one whose files may not
  // be opened for writing.
  for (const std::string& path : {dir + "/locked/store", dir + "/theirs"}) {
    StoreOptions o;
    o.path = path;
    o.map_size_bytes = 1 << 20;
    auto opened = Store::open(o);
    if (opened) {
      std::fprintf(stderr, "%s: opened although not writable\n", path.c_str());
      verdict = 1;
    } else if (opened.error().code != Errc::read_only ||
               opened.error().message.find(path) == std::string::npos) {
      std::fprintf(stderr, "%s: expected read_only naming the store, got code %d: %s\n",
                   path.c_str(), static_cast<int>(opened.error().code),
                   opened.error().message.c_str());
      verdict = 2;
    }
  }
  return verdict;
}

// Runs `body` in a child process; its exit status is the verdict, its stderr
// the reason.
template <class Body>
void run_in_child(Body body) {
  int err_pipe[2];
  ASSERT_EQ(::pipe(err_pipe), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::close(err_pipe[0]);
    int verdict = body();
    std::fflush(stderr);
    ::_exit(verdict);  // no gtest teardown, no TempDir cleanup in the child
  }
  ::close(err_pipe[1]);
  std::string reason;
  char buf[512];
  for (ssize_t n; (n = ::read(err_pipe[0], buf, sizeof buf)) > 0;) reason.append(buf, n);
  ::close(err_pipe[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died: " << reason;
  if (WEXITSTATUS(status) == kSkip) GTEST_SKIP() << reason;
  EXPECT_EQ(WEXITSTATUS(status), 0) << reason;
}

TEST(StoreFileSystem, AFullFileSystemIsDiskFullAndKeepsCommittedData) {
  TempDir dir;
  run_in_child([&] { return fill_the_disk(dir.path().string()); });
}

TEST(StoreFileSystem, AStoreThatMayNotBeWrittenIsReadOnly) {
  TempDir dir;
  namespace fs = std::filesystem;
  {
    // A store made by someone else, its files private to them.
    StoreOptions o;
    o.path = dir.sub("theirs");
    o.map_size_bytes = 1 << 20;
    auto opened = Store::open(o);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
  }
  fs::create_directories(dir.sub("locked"));
  fs::permissions(dir.sub("locked"), fs::perms::owner_read | fs::perms::owner_exec |
                                         fs::perms::group_read | fs::perms::group_exec |
                                         fs::perms::others_read | fs::perms::others_exec);
  if (::geteuid() != 0) {
    // Not root: the files are ours, so make them unwritable to us instead.
    for (const char* f : {"data.mdb", "lock.mdb"}) {
      fs::permissions(fs::path(dir.sub("theirs")) / f, fs::perms::owner_read);
    }
  }
  run_in_child([&] { return open_where_not_allowed(dir.path().string()); });
  // Let TempDir remove what it made.
  fs::permissions(dir.sub("locked"), fs::perms::owner_all);
}

}  // namespace
}  // namespace provnet::store
