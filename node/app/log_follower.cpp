#include "app/log_follower.hpp"

namespace provnet::app {

void LogFollower::poll(const OnLogLine& on_line) {
  if (previous_) previous_->read_new(on_line);
  current_.read_new(on_line);
  // No file at the path: renamed, and the new one not made yet. Wait.
  if (current_.is_at(path_)) return;
  auto next = LogFileLines::open(path_);
  if (!next) return;
  // The file was renamed: it has lines up to now, and may get a few more.
  current_.read_new(on_line);
  if (previous_) previous_->read_unfinished(on_line);
  current_.set_name(path_ + " (rotated)");
  previous_ = std::move(current_);
  current_ = std::move(*next);
  current_.read_new(on_line);
}

}  // namespace provnet::app
