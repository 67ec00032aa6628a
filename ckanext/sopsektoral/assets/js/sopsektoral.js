/* ckanext-sopsektoral: small behaviours of the portal pages. */

/* Ask before a form is submitted by this button, then submit it with the
 * button (so its name and value reach the server, which CKAN's
 * confirm-action does not do for forms). Without JavaScript the button
 * simply submits.
 *
 *   <button type="submit" name="action" value="verify"
 *           data-module="sopsektoral-confirm"
 *           data-module-content="{{ _('Verify every selected data item?') }}">
 */
this.ckan.module('sopsektoral-confirm', function ($) {
  return {
    options: {
      content: ''
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.el.on('click', this._onClick);
    },

    _onClick: function (event) {
      event.preventDefault();
      this._modal().modal('show');
    },

    _modal: function () {
      if (!this.modal) {
        var modal = this.modal = $([
          '<div class="modal fade" tabindex="-1" role="dialog">',
          '<div class="modal-dialog"><div class="modal-content">',
          '<div class="modal-header"><h3 class="modal-title"></h3>',
          '<button type="button" class="btn-close" data-bs-dismiss="modal"></button></div>',
          '<div class="modal-body"></div>',
          '<div class="modal-footer">',
          '<button type="button" class="btn btn-default btn-secondary btn-cancel"></button>',
          '<button type="button" class="btn btn-primary"></button>',
          '</div></div></div></div>'
        ].join(''));
        modal.find('.modal-title').text(this._('Please Confirm Action'));
        modal.find('.modal-body').text(
          this.options.content || this._('Are you sure you want to perform this action?'));
        modal.find('.btn-primary').text(this._('Confirm'));
        modal.find('.btn-cancel').text(this._('Cancel'));
        modal.find('.btn-close').attr('aria-label', this._('Close'));
        modal.on('click', '.btn-primary', this._onConfirm);
        modal.on('click', '.btn-cancel', this._onCancel);
        this.sandbox.body.append(modal);
      }
      return this.modal;
    },

    _onConfirm: function () {
      var button = this.el[0];
      var form = button.form;
      this.modal.modal('hide');
      if (!form) {
        return;
      }
      if (form.requestSubmit) {
        form.requestSubmit(button);
      } else {
        if (button.name) {
          $('<input type="hidden">').attr({name: button.name, value: button.value}).appendTo(form);
        }
        form.submit();
      }
    },

    _onCancel: function () {
      this.modal.modal('hide');
    }
  };
});

/* A checkbox that selects or clears every checkbox named
 * data-module-name in its form (the queue's "select all").
 *
 *   <input type="checkbox" data-module="sopsektoral-select-all" data-module-name="ids">
 */
this.ckan.module('sopsektoral-select-all', function ($) {
  return {
    options: {
      name: 'ids'
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.form = this.el.closest('form');
      this.el.on('change', this._onChange);
      this.form.on('change', 'input[type=checkbox][name="' + this.options.name + '"]', this._onBoxChange);
      this._onBoxChange();
    },

    _boxes: function () {
      return this.form.find('input[type=checkbox][name="' + this.options.name + '"]');
    },

    _onChange: function () {
      this._boxes().prop('checked', this.el.prop('checked'));
    },

    _onBoxChange: function () {
      var boxes = this._boxes();
      var checked = boxes.filter(':checked').length;
      this.el.prop('checked', boxes.length > 0 && checked === boxes.length);
      this.el.prop('indeterminate', checked > 0 && checked < boxes.length);
    }
  };
});

/* The letter form's data year: when it changes to another year, press the
 * form's "Show the Daftar Data of this year" button, which shows that year's
 * entries without saving (and carries the year into the subject and text).
 *
 *   <input name="data_year" data-module="sopsektoral-reload-year">
 */
this.ckan.module('sopsektoral-reload-year', function ($) {
  return {
    initialize: function () {
      var el = this.el;
      var shown = $.trim(el.val());
      el.on('change', function () {
        var year = $.trim(el.val());
        var button = el.closest('form').find('button[name=reload_year]');
        if (year !== shown && /^[0-9]{4}$/.test(year) && button.length) {
          shown = year;
          button[0].click();
        }
      });
    }
  };
});

/* The close buttons of the flash messages, labelled in the page's language: CKAN's notify.js
 * adds them before the translations load (modules start after they have). */
this.ckan.module('sopsektoral-flash', function ($) {
  return {
    initialize: function () {
      this.el.find('.btn-close').attr('aria-label', this._('Close'));
    }
  };
});
