// One provnode process: started with fork/exec, its standard output and
// error appended to a file, stopped with SIGTERM or SIGKILL, and reaped.
//
// The child is killed if the thread that started it ends (PR_SET_PDEATHSIG),
// so a crashed or aborted test leaves no daemon behind. Start processes only
// from the test's main thread for that reason: a helper thread that started
// one would take it down when it finishes.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace provnet::testing {

// How a process ended.
struct ExitStatus {
  bool exited = false;  // exited normally with `code`
  int code = -1;
  int signal = 0;  // the signal that killed it, when !exited
  std::string text() const {
    return exited ? "exit status " + std::to_string(code)
                  : "killed by signal " + std::to_string(signal);
  }
};

class NodeProcess {
 public:
  NodeProcess() = default;
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;
  ~NodeProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait_for_exit(std::chrono::seconds(30));
    }
  }

  // Starts `program args...`; output goes to `output_path` (appended).
  void start(const std::string& program, const std::vector<std::string>& args,
             const std::string& output_path) {
    if (running())
      throw std::logic_error("NodeProcess::start: already running (pid " + std::to_string(pid_) +
                             ")");
    // Everything the child needs is prepared before fork: between fork and
    // exec it may only make async-signal-safe calls.
    std::vector<std::string> argv_storage{program};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("NodeProcess::start: fork failed");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent is already gone
      int fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    last_exit_.reset();
  }

  pid_t pid() const { return pid_; }

  // Started and not yet reaped (a process that exited on its own counts as
  // running until reap() or wait_for_exit() notices).
  bool running() const { return pid_ > 0; }

  // Reaps the process if it has exited; true if it has.
  bool reap() {
    if (pid_ <= 0) return true;
    int raw = 0;
    pid_t r = ::waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) {
      ExitStatus s;
      s.exited = WIFEXITED(raw);
      s.code = s.exited ? WEXITSTATUS(raw) : -1;
      s.signal = WIFSIGNALED(raw) ? WTERMSIG(raw) : 0;
      last_exit_ = s;
      pid_ = -1;
      return true;
    }
    return false;
  }

  // Waits until the process has exited, at most `timeout`.
  std::optional<ExitStatus> wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reap()) {
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return last_exit_;
  }

  void signal(int signo) {
    if (pid_ > 0) ::kill(pid_, signo);
  }

  // SIGKILL and reap: the crash the node must survive.
  ExitStatus kill_hard() {
    signal(SIGKILL);
    auto status = wait_for_exit(std::chrono::seconds(60));
    if (!status) throw std::runtime_error("NodeProcess: still running 60 s after SIGKILL");
    return *status;
  }

  // How it ended, once reaped.
  const std::optional<ExitStatus>& last_exit() const { return last_exit_; }

 private:
  pid_t pid_ = -1;
  std::optional<ExitStatus> last_exit_;
};

}  // namespace provnet::testing
