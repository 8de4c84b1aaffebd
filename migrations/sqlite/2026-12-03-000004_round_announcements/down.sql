DROP TABLE round_announcements;
